import { Response } from "../sdk";

let spins: u64 = 0;
// Top-level statements run in the module's start function, before handle() is reachable.
while (spins != u64.MAX_VALUE) spins += (spins & 1) + 1 - (spins & 1);

export function handle(): void {
  Response.text(spins.toString()).write();
}
