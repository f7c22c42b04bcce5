/**
 * The log `inkdex serve` keeps on stderr, for a service manager's journal (systemd,
 * launchd, docker logs): one line per run that did something, one when health changes,
 * warnings when the watcher is in trouble. Quiet while nothing happens.
 *
 * The formatting functions are pure; `ServiceLog` decides what to print and holds the
 * little state that takes (the last health printed, recent warnings).
 */
import { oneLine } from '../core/errors.js';
import type { Health } from '../core/health.js';
import type { RunSummary } from '../core/seam.js';

/** What the log needs of a finished run (a `RunSummary`). */
export type RunLine = Pick<
  RunSummary,
  'trigger' | 'kind' | 'status' | 'durationMs' | 'scanned' | 'added' | 'updated' | 'unchanged' | 'moved' | 'removed' | 'errors' | 'message'
>;

export interface HealthSnapshot {
  health: Health;
  reasons: readonly string[];
}

// ---- pure formatting -------------------------------------------------------------

/** `12 ms`, `1.25 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `1 added, 2 updated` — the changes only; `no changes` when none. */
export function formatChanges(run: Pick<RunLine, 'added' | 'updated' | 'moved' | 'removed'>): string {
  const parts = (['added', 'updated', 'moved', 'removed'] as const).filter((k) => run[k] > 0).map((k) => `${run[k]} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

/** True when the run changed no entry. */
export function changedNothing(run: Pick<RunLine, 'added' | 'updated' | 'moved' | 'removed'>): boolean {
  return run.added + run.updated + run.moved + run.removed === 0;
}

/**
 * One line for a finished run:
 * - `inkdex: watch sync: 1 updated, 0 errors in 12 ms`
 * - `inkdex: startup sync of 632 files: 632 added, 0 errors in 523 ms`
 * - `inkdex: watch sync failed after 3 ms: EACCES: permission denied, open '…' (1 updated before it stopped)`
 */
export function formatRun(run: RunLine): string {
  const what = `inkdex: ${run.trigger} sync${run.kind === 'full' ? ` of ${plural(run.scanned, 'file')}` : ''}`;
  if (run.status === 'failed') {
    const done = changedNothing(run) ? '' : ` (${formatChanges(run)} before it stopped)`;
    return `${what} failed after ${formatDuration(run.durationMs)}: ${oneLine(run.message ?? 'no reason recorded')}${done}`;
  }
  return `${what}: ${formatChanges(run)}, ${plural(run.errors, 'error')} in ${formatDuration(run.durationMs)}`;
}

/**
 * One line for a health change:
 * - `inkdex: health degraded: 2 files have problems`
 * - `inkdex: health unhealthy: the file watcher is down: changes are not seen; 1 file has problems`
 * - `inkdex: health back to healthy` (after a problem)
 */
export function formatHealth(snapshot: HealthSnapshot): string {
  if (snapshot.health === 'healthy') return 'inkdex: health back to healthy';
  const why = snapshot.reasons.length > 0 ? `: ${snapshot.reasons.map(oneLine).join('; ')}` : '';
  return `inkdex: health ${snapshot.health}${why}`;
}

/** `inkdex: warning: watcher error: ENOSPC: …; a full sync will catch up` */
export function formatWarning(reason: string, repeated = 0): string {
  const again = repeated > 0 ? ` (and ${plural(repeated, 'time')} more since the last line)` : '';
  return `inkdex: warning: ${oneLine(reason)}${again}`;
}

/**
 * The identity of a health state for de-duplication: its level and the kinds of reasons,
 * without their numbers — "2 files have problems" becoming "3 files have problems", or a
 * lag growing from 31 s to 32 s, is not worth a new line; a new kind of problem is.
 */
export function healthKey(snapshot: HealthSnapshot): string {
  return `${snapshot.health}|${snapshot.reasons.map((r) => r.replace(/\d+/g, '#')).join('|')}`;
}

// ---- deciding what to print ---------------------------------------------------------

export interface ServiceLogOptions {
  /** Writes one line (without the newline). */
  write(line: string): void;
  /** Also log runs that changed nothing. */
  verbose?: boolean;
  /** The current health; checked after each run and on `checkHealth()`. */
  health?: () => HealthSnapshot;
  /** A repeated identical warning is held back for this long (default 60 s). */
  warningQuietMs?: number;
  now?: () => number;
}

/** Runs that are always logged, even when they changed nothing: they happen once, on purpose. */
const ALWAYS_LOGGED: ReadonlySet<string> = new Set(['startup', 'manual']);

export class ServiceLog {
  private lastHealthKey: string | null = null;
  private readonly warnings = new Map<string, { at: number; heldBack: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: ServiceLogOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** A run finished: one line unless it was a no-op (and not verbose), then a health check. */
  runFinished(run: RunLine): void {
    if (this.shouldLogRun(run)) this.opts.write(formatRun(run));
    this.checkHealth();
  }

  /** A no-op run — succeeded, changed nothing, met no problem — is quiet unless verbose. */
  shouldLogRun(run: RunLine): boolean {
    if (this.opts.verbose || run.status === 'failed' || ALWAYS_LOGGED.has(run.trigger)) return true;
    return !changedNothing(run) || run.errors > 0;
  }

  /** Prints a line when the health changed since the last one printed (the first: only if not healthy). */
  checkHealth(snapshot: HealthSnapshot | undefined = this.opts.health?.()): void {
    if (!snapshot) return;
    const key = healthKey(snapshot);
    if (key === this.lastHealthKey) return;
    const first = this.lastHealthKey === null;
    this.lastHealthKey = key;
    if (first && snapshot.health === 'healthy') return;
    this.opts.write(formatHealth(snapshot));
  }

  /** Watcher trouble and the like. The same warning again within the quiet period is counted, not printed. */
  warning(reason: string): void {
    const quietMs = this.opts.warningQuietMs ?? 60_000;
    const now = this.now();
    const seen = this.warnings.get(reason);
    if (seen && now - seen.at < quietMs) {
      seen.heldBack++;
      return;
    }
    this.opts.write(formatWarning(reason, seen?.heldBack ?? 0));
    this.warnings.set(reason, { at: now, heldBack: 0 });
    if (this.warnings.size > 100) this.warnings.delete(this.warnings.keys().next().value!);
  }
}
