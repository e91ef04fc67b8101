// `wasmfn map <name> [input.ndjson|-] [-o out.ndjson] [--concurrency N] [--retries N] [--envelope] [--headers]`:
// runs every line of the input through the function (POST /map/<name>), the results in input order to the output
// file or stdout, progress on stderr. Exit 1 when some items failed.

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import type { Command } from '../command.js';
import { streamMap } from '../map-client.js';
import { mapProgress } from '../map-progress.js';

const USAGE = 'usage: wasmfn map <name> [input.ndjson|-] [-o out.ndjson] [--concurrency N] [--retries N] [--envelope] [--headers]';

export const run: Command = async (argv, ctx) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      concurrency: { type: 'string' },
      retries: { type: 'string' },
      envelope: { type: 'boolean' },
      headers: { type: 'boolean' },
    },
  });
  const [name, inputPath = '-'] = positionals;
  if (!name || positionals.length > 2) {
    ctx.err(USAGE);
    return 2;
  }
  const url = new URL(`/map/${encodeURIComponent(name)}`, ctx.client.opts.url);
  for (const k of ['concurrency', 'retries'] as const) {
    const v = values[k];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v)) {
      ctx.err(`--${k} takes a whole number, got "${v}"`);
      return 2;
    }
    url.searchParams.set(k, v);
  }
  if (values.envelope) url.searchParams.set('envelope', '1');
  if (values.headers) url.searchParams.set('headers', '1');

  const fromFile = inputPath !== '-';
  const input: Readable = fromFile ? fs.createReadStream(inputPath) : process.stdin;
  const output: Writable = values.output ? fs.createWriteStream(values.output) : process.stdout;
  const progress = mapProgress(process.stderr, fromFile);
  const counted = fromFile ? countItems(inputPath).then((n) => progress.setTotal(n), () => undefined) : null;
  let counts;
  try {
    counts = await streamMap(url, input, output, (c) => progress.update(c.done, c.failed));
  } finally {
    // The last progress line shows the total (counting runs alongside the map and is done long before it).
    await counted;
    progress.stop();
  }
  if (counts.failed > 0) {
    ctx.err(`${counts.failed} of ${counts.done} items failed`);
    return 1;
  }
  return 0;
};

/** Non-blank lines of the file, as the host counts items. */
async function countItems(file: string): Promise<number> {
  let n = 0;
  let blank = true;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 0x0a) {
        if (!blank) n++;
        blank = true;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) blank = false;
    }
  }
  return blank ? n : n + 1;
}
