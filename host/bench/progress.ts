// One progress line on stderr, rewritten in place on a terminal, a line per step otherwise.

export class Progress {
  private last = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly enabled = true) {}

  /** A step's status; throttled on a terminal so the line costs nothing measurable. */
  update(text: string, force = false): void {
    if (!this.enabled) return;
    if (this.tty) {
      const now = Date.now();
      if (!force && now - this.last < 100) return;
      this.last = now;
      const width = process.stderr.columns || 100;
      process.stderr.write(`\r\x1b[2K[bench] ${text}`.slice(0, width + 6));
    } else if (force) {
      process.stderr.write(`[bench] ${text}\n`);
    }
  }

  done(text: string): void {
    if (!this.enabled) return;
    process.stderr.write(this.tty ? `\r\x1b[2K[bench] ${text}\n` : `[bench] ${text}\n`);
  }
}
