/**
 * A one-line progress display on a TTY for runs that take over a second; silent otherwise.
 */
import type { RunProgress } from './sync.js';

const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;

export function progressReporter(out: NodeJS.WriteStream): { update(p: RunProgress): void; done(): void } {
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (!out.isTTY || now - started < SHOW_AFTER_MS || now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      drawn = true;
      const width = 30;
      const ratio = p.total > 0 ? Math.min(1, p.processed / p.total) : 0;
      const bar = '█'.repeat(Math.round(ratio * width)).padEnd(width, '░');
      out.write(`\r\x1b[2Kinkdex: ${p.trigger} sync ${bar} ${p.processed}/${p.total}`);
    },
    done() {
      if (drawn) out.write('\r\x1b[2K');
    },
  };
}
