import { Request, Response, serve } from "../sdk";

const MAX_N = 50;

function fib(n: i32): i64 {
  return n < 2 ? <i64>n : fib(n - 1) + fib(n - 2);
}

/** The decimal integer in s, or -1 when s is not one of at most 3 digits. */
function smallInt(s: string): i32 {
  if (s.length == 0 || s.length > 3) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

export function handle(): void {
  serve((req: Request): Response => {
    const n = smallInt(req.query("n", "20"));
    if (n < 0 || n > MAX_N) return Response.text("n must be an integer from 0 to " + MAX_N.toString() + "\n", 400);
    return Response.text(fib(n).toString());
  });
}
