import { Request, Response, log, serve } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => {
    log.debug("debug line");
    log.info("info line for " + req.path);
    log.warn("warn line");
    log.error("error line");
    return Response.text("ok");
  });
}
