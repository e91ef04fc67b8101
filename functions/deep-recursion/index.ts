import { Response } from "../sdk";

let depth: i32 = 0;

function down(n: i32): i32 {
  depth = n;
  // Work after the call keeps it from becoming a loop.
  return down(n + 1) + n;
}

export function handle(): void {
  Response.text(down(0).toString()).write();
}
