// Test fixture for retries: fails (a trap) on every attempt before ?succeedAt=N, which the host numbers in the
// x-wasmfn-attempt header; succeedAt=0 never succeeds.
import { Request, Response, serve } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => {
    const attempt = I32.parseInt(req.header("x-wasmfn-attempt", "0"), 10);
    const succeedAt = I32.parseInt(req.query("succeedAt", "1"), 10);
    if (succeedAt == 0 || attempt < succeedAt) unreachable();
    return Response.text("attempt " + attempt.toString() + " id " + req.header("x-wasmfn-invocation-id") +
      " schedule " + req.header("x-wasmfn-schedule", "-") + " method " + req.method + " path " + req.path + " body " + req.text());
  });
}
