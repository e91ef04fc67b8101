import { Request, Response, serve, kv, lastErrorMessage } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => {
    // One atomic increment: concurrent requests each get their own number.
    const n = kv.increment("count");
    if (n == 0) return Response.text("kv error: " + lastErrorMessage() + "\n", 503);
    return Response.text(n.toString());
  });
}
