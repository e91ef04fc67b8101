import { Request, Response, log, serve } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => {
    log.info(req.text());
    return Response.text("logged " + req.text().length.toString() + " chars");
  });
}
