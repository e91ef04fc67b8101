import { Request, Response, serve } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => Response.text("Hello, " + req.query("name", "world") + "!"));
}
