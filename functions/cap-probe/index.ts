import { Request, Response, serve, kv, http, config, lastError, lastErrorMessage } from "../sdk";

function err(): Response {
  return Response.text("err " + lastError().toString() + " " + lastErrorMessage());
}

function repeat(n: i32): string {
  return "x".repeat(n);
}

export function handle(): void {
  serve((req: Request): Response => {
    const op = req.query("op");
    const store = req.query("store");
    const key = req.hasQuery("keyBytes") ? repeat(<i32>parseInt(req.query("keyBytes"))) : req.query("key", "k");
    if (op == "set") {
      const value = req.hasQuery("bytes") ? repeat(<i32>parseInt(req.query("bytes"))) : req.query("value");
      return kv.set(key, value, store) ? Response.text("ok") : err();
    }
    if (op == "get") {
      const v = kv.get(key, store);
      return v === null ? err() : Response.text("ok " + v);
    }
    if (op == "delete") {
      const gone = kv.delete(key, store);
      return lastError() != 0 ? err() : Response.text("ok " + (gone ? "1" : "0"));
    }
    if (op == "exists") {
      const there = kv.exists(key, store);
      return lastError() != 0 ? err() : Response.text("ok " + (there ? "1" : "0"));
    }
    if (op == "incr") {
      const n = kv.increment(key, <i64>parseInt(req.query("delta", "1")), store);
      return lastError() != 0 ? err() : Response.text("ok " + n.toString());
    }
    if (op == "keys") {
      const page = kv.keys(req.query("prefix"), req.query("cursor"), <i32>parseInt(req.query("limit", "100")), store);
      return page === null ? err() : Response.text("ok " + page.keys.join(",") + "|" + page.cursor);
    }
    if (op == "ops") {
      const n = <i32>parseInt(req.query("n"));
      for (let i = 0; i < n; i++) {
        kv.exists("k", store);
        if (lastError() != 0) return Response.text("err " + lastError().toString() + " at " + i.toString() + " " + lastErrorMessage());
      }
      return Response.text("ok " + n.toString());
    }
    if (op == "fetch") {
      const n = <i32>parseInt(req.query("n", "1"));
      let last = "";
      for (let i = 0; i < n; i++) {
        const res = http.fetch(req.query("method", "GET"), req.query("url"));
        if (res === null) return Response.text("err " + lastError().toString() + " at " + i.toString() + " " + lastErrorMessage());
        last = res.status.toString() + " " + res.text();
      }
      return Response.text("ok " + last);
    }
    if (op == "config") {
      const v = config.get(req.query("name"));
      return v === null ? err() : Response.text("ok " + v);
    }
    return Response.text("unknown op", 400);
  });
}
