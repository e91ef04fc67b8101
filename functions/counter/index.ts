import { Request, Response, serve } from "../sdk";

let count = 0;

export function handle(): void {
  serve((req: Request): Response => {
    count++;
    return Response.text(count.toString());
  });
}
