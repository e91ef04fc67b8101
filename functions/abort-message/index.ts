import { Request, Response, serve } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => {
    if (req.method != "") throw new Error("something went wrong");
    return Response.text("unreachable");
  });
}
