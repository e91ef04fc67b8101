import { Request, Response, serve, kv, Json, JsonValue, JsonKind, lastErrorMessage } from "../sdk";

function failure(): Response {
  return Response.json('{"error":' + Json.str(lastErrorMessage()).stringify() + "}", 503);
}

function list(): Response {
  const out = Json.arr();
  let cursor = "";
  do {
    const page = kv.keys("todo:", cursor, 1000);
    if (page === null) return failure();
    for (let i = 0; i < page.keys.length; i++) {
      const text = kv.get(page.keys[i]);
      if (text === null) continue;
      const item = Json.parse(text);
      if (item !== null) out.push(item);
    }
    cursor = page.cursor;
  } while (cursor != "");
  return Response.json(out);
}

function add(req: Request): Response {
  const body = req.json();
  if (body === null || body.kind != JsonKind.Object) return Response.json('{"error":"the body must be a JSON object"}', 400);
  const title = body.get("title");
  if (title === null || title.kind != JsonKind.String) return Response.json('{"error":"\\"title\\" must be a string"}', 400);
  const id = kv.increment("next-id");
  if (id == 0) return failure();
  const item = Json.obj();
  item.set("id", <f64>id);
  item.set("title", title);
  item.set("done", body.getBool("done", false));
  // Zero-padded so keys list in creation order.
  const key = "todo:" + id.toString().padStart(10, "0");
  if (!kv.set(key, item.stringify())) return failure();
  return Response.json(item, 201);
}

function idKey(segment: string): string | null {
  if (segment.length == 0 || segment.length > 10) return null;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return "todo:" + segment.padStart(10, "0");
}

export function handle(): void {
  serve((req: Request): Response => {
    const path = req.path;
    if (path == "/todos" || path == "/todos/") {
      if (req.method == "GET") return list();
      if (req.method == "POST") return add(req);
      return Response.text("method not allowed\n", 405).setHeader("allow", "GET, POST");
    }
    if (path.startsWith("/todos/")) {
      const key = idKey(path.slice(7));
      if (key === null) return Response.json('{"error":"no such todo"}', 404);
      if (req.method == "GET") {
        const text = kv.get(key);
        return text === null ? Response.json('{"error":"no such todo"}', 404) : Response.json(text);
      }
      if (req.method == "DELETE") {
        return kv.delete(key) ? Response.empty(204) : Response.json('{"error":"no such todo"}', 404);
      }
      return Response.text("method not allowed\n", 405).setHeader("allow", "GET, DELETE");
    }
    return Response.json('{"error":"try GET /todos"}', 404);
  });
}
