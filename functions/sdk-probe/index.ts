// Test fixture: each path exercises one SDK feature so host tests can check it through the real wire format.
import { Request, Response, Json, serve } from "../sdk";

function probe(req: Request): Response {
  const path = req.path;
  if (path == "/header") {
    const name = req.query("name");
    return Response.text(req.hasHeader(name) ? req.header(name) : "<none>");
  }
  if (path == "/query") {
    const name = req.query("name");
    return Response.text(req.hasQuery(name) ? "[" + req.query(name) + "]" : "<none>");
  }
  if (path == "/json") {
    const doc = req.json();
    if (doc == null) return Response.json(Json.obj().set("error", Json.lastError), 400);
    return Response.json(doc);
  }
  if (path == "/status") {
    const code = I32.parseInt(req.query("code", "200"), 10);
    return Response.text("status " + code.toString(), code)
      .setHeader("X-Probe", "first")
      .setHeader("x-probe", "second")
      .addHeader("set-cookie", "a=1")
      .addHeader("set-cookie", "b=2");
  }
  if (path == "/echo-header") {
    return Response.text("ok").setHeader("x-echo", req.query("value"));
  }
  if (path == "/bytes") {
    const body = req.body;
    const out = new Uint8Array(body.length);
    for (let i = 0; i < body.length; i++) out[i] = body[body.length - 1 - i];
    return Response.bytes(out, "application/octet-stream");
  }
  return Response.text("no probe at " + path, 404);
}

export function handle(): void {
  serve(probe);
}
