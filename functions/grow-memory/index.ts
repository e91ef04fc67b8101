import { Response } from "../sdk";

const blocks = new Array<ArrayBuffer>(0);

export function handle(): void {
  // Touch every block so the memory is really used, not just reserved.
  while (true) {
    const b = new ArrayBuffer(1 << 20);
    store<u8>(changetype<usize>(b) + (1 << 19), <u8>blocks.length);
    blocks.push(b);
    if (blocks.length < 0) break;
  }
  Response.text(blocks.length.toString()).write();
}
