import { Response } from "../sdk";

export function handle(): void {
  Response.text(memory.size().toString()).write();
}
