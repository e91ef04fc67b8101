// Progress of `wasmfn map` on stderr: a bar on a terminal (done/total when the total is known, items/s,
// failures, ETA), else a plain line every few seconds and one at the end.

import cliProgress from 'cli-progress';

export interface MapProgress {
  /** The number of items, once the input file has been counted. */
  setTotal(total: number): void;
  update(done: number, failed: number): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 5000;

export function mapProgress(stream: NodeJS.WriteStream, fileInput: boolean): MapProgress {
  const started = Date.now();
  const rate = (done: number) => Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
  if (!stream.isTTY) return plainProgress(stream, rate);
  const withTotal = '{bar} {value}/{total} items | {rate} items/s | {failed} failed | ETA {eta_formatted}';
  const withoutTotal = '{value} items | {rate} items/s | {failed} failed';
  const bar = new cliProgress.SingleBar({
    stream, format: fileInput ? withTotal : withoutTotal, hideCursor: true, etaBuffer: 50, fps: 5, clearOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  // Until the file is counted the total is unknown: 0 shows as a bar that grows once it is set.
  bar.start(0, 0, { rate: 0, failed: 0 });
  return {
    setTotal: (total) => bar.setTotal(total),
    update: (done, failed) => bar.update(done, { rate: rate(done), failed }),
    stop: () => bar.stop(),
  };
}

function plainProgress(stream: NodeJS.WriteStream, rate: (done: number) => number): MapProgress {
  let total: number | null = null;
  let done = 0;
  let failed = 0;
  const line = () => `map: ${done}${total !== null ? `/${total}` : ''} items, ${rate(done)} items/s, ${failed} failed\n`;
  const timer = setInterval(() => stream.write(line()), PLAIN_EVERY_MS);
  timer.unref();
  return {
    setTotal: (t) => (total = t),
    update: (d, f) => {
      done = d;
      failed = f;
    },
    stop: () => {
      clearInterval(timer);
      if (done > 0) stream.write(line());
    },
  };
}
