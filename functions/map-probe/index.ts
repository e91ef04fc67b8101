import { Request, Response, log, serve } from "../sdk";

function fib(n: i32): i64 {
  return n < 2 ? <i64>n : fib(n - 1) + fib(n - 2);
}

function int(s: string, fallback: i32): i32 {
  if (s.length == 0 || s.length > 3) return fallback;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return fallback;
    n = n * 10 + d;
  }
  return n;
}

export function handle(): void {
  serve((req: Request): Response => {
    const subject = req.header("x-wasmfn-subject");
    if (subject.length > 0) log.info("message " + subject + " " + req.header("x-wasmfn-stream-seq") + " " + req.method);
    const spin = int(req.query("spin", ""), 0);
    let body = req.text();
    if (spin > 0) body += " " + fib(spin).toString();
    return Response.text(body, int(req.query("status", ""), 200));
  });
}
