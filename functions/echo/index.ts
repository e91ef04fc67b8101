import { Request, Response, Json, JsonValue, serve } from "../sdk";

/** Adds name: value to obj; a repeated name collects its values in an array. */
function collect(obj: JsonValue, name: string, value: string): void {
  const prev = obj.get(name);
  if (prev == null) obj.set(name, value);
  else if (prev.isArray()) prev.push(value);
  else obj.set(name, Json.arr().push(prev).push(value));
}

export function handle(): void {
  serve((req: Request): Response => {
    const query = Json.obj();
    const params = req.params;
    for (let i = 0; i < params.length; i++) collect(query, params[i].name, params[i].value);
    const headers = Json.obj();
    const hs = req.headers;
    for (let i = 0; i < hs.length; i++) collect(headers, hs[i].name, hs[i].value);
    return Response.json(Json.obj()
      .set("method", req.method)
      .set("path", req.path)
      .set("query", query)
      .set("headers", headers)
      .set("body", req.text()));
  });
}
