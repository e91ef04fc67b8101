import { Request, Response, serve, http, lastError, lastErrorMessage, CapError } from "../sdk";

export function handle(): void {
  serve((req: Request): Response => {
    const url = req.query("url");
    if (url == "") return Response.text("pass the URL to fetch as ?url=\n", 400);
    const res = http.fetch(req.query("method", "GET"), url);
    if (res === null) {
      const code = lastError();
      const status = code == CapError.DENIED ? 403 : code == CapError.TIMEOUT ? 504 : code == CapError.INVALID ? 400 : 502;
      return Response.text(lastErrorMessage() + "\n", status);
    }
    const ct = res.header("content-type");
    return Response.bytes(res.body, ct === null ? "application/octet-stream" : ct, res.status)
      .setHeader("x-upstream-status", res.status.toString());
  });
}
