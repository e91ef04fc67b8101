import { Request, Response, Json, JsonValue, serve } from "../sdk";

function badRequest(message: string): Response {
  return Response.json(Json.obj().set("error", message), 400);
}

export function handle(): void {
  serve((req: Request): Response => {
    const doc = req.json();
    if (doc == null) return badRequest("invalid JSON: " + Json.lastError);
    const items = doc.get("items");
    if (items == null || !items.isArray()) return badRequest("expected an object with an \"items\" array");
    const lines = Json.arr();
    let total: f64 = 0;
    let quantity: f64 = 0;
    const list = items.elements;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (!item.isObject()) return badRequest("item " + i.toString() + " is not an object");
      const price = item.getNumber("price", NaN);
      const qty = item.getNumber("qty", 1);
      if (isNaN(price)) return badRequest("item " + i.toString() + " has no numeric \"price\"");
      const subtotal = Math.round(price * qty * 100) / 100;
      total += subtotal;
      quantity += qty;
      lines.push(Json.obj().set("name", item.getString("name", "")).set("qty", qty).set("subtotal", subtotal));
    }
    return Response.json(Json.obj()
      .set("items", lines)
      .set("count", list.length)
      .set("quantity", quantity)
      .set("total", Math.round(total * 100) / 100));
  });
}
