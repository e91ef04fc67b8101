import { Request, Response, serve } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => {
    const mb = I32.parseInt(req.query("mb", "1"), 10);
    if (mb < 0 || mb > 1024) return Response.text("mb must be from 0 to 1024\n", 400);
    const body = new Uint8Array(mb << 20);
    body.fill(0x78);
    return Response.bytes(body, "text/plain; charset=utf-8");
  });
}
