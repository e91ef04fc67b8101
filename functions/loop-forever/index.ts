import { Response } from "../sdk";

let spins: u64 = 0;

export function handle(): void {
  // The global counter keeps the optimiser from treating the loop as dead code.
  while (spins != u64.MAX_VALUE) spins += (spins & 1) + 1 - (spins & 1);
  Response.text(spins.toString()).write();
}
