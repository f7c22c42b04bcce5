/**
 * A one-line progress display on a TTY for runs that take over a second; silent otherwise:
 * `inkdex: syncing █████████░░░░░░░░░░░░░░░░░░░░░ 2543/7694 33% ETA 4s`
 */
import type { RunProgress } from '../core/seam.js';

const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export function progressReporter(out: NodeJS.WriteStream): { update(p: RunProgress): void; done(): void } {
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  // The rate is measured from the first update that saw files (not from the listing before it).
  let first: { at: number; processed: number } | null = null;
  return {
    update(p) {
      const now = Date.now();
      if (first === null && p.total > 0) first = { at: now, processed: p.processed };
      if (!out.isTTY || now - started < SHOW_AFTER_MS || now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      drawn = true;
      const eta = first ? estimateRemainingMs(p.processed - first.processed, now - first.at, p.total - p.processed) : null;
      out.write(`\r\x1b[2K${progressLine(p.processed, p.total, eta)}`);
    },
    done() {
      if (drawn) out.write('\r\x1b[2K');
    },
  };
}

/** Pure: the progress line (without the leading carriage return). `etaMs` null = not known yet. */
export function progressLine(processed: number, total: number, etaMs: number | null): string {
  const ratio = total > 0 ? Math.min(1, processed / total) : 0;
  const bar = '█'.repeat(Math.round(ratio * BAR_WIDTH)).padEnd(BAR_WIDTH, '░');
  const eta = etaMs === null ? '' : ` ETA ${formatEta(etaMs)}`;
  return `inkdex: syncing ${bar} ${processed}/${total} ${Math.floor(ratio * 100)}%${eta}`;
}

/** Pure: time left at the rate seen so far; null until some files have been done. */
export function estimateRemainingMs(doneSinceStart: number, elapsedMs: number, remaining: number): number | null {
  if (doneSinceStart <= 0 || elapsedMs <= 0) return null;
  return Math.max(0, (remaining * elapsedMs) / doneSinceStart);
}

/** `4s`, `1m05s`, `1h02m`; rounded up so that "0s" means done. */
export function formatEta(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
