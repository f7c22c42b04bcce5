/**
 * Pure: the facts the server knows → health (SPEC §4.1) and the reasons behind it.
 */

export type Health = 'healthy' | 'degraded' | 'unhealthy';

/** The file watcher's state (live/watch.ts) and what it reports. */
export type WatcherState = 'starting' | 'watching' | 'degraded' | 'down';

export interface WatcherStatus {
  state: WatcherState;
  files: number;
  dirs: number;
  /** The last error, e.g. "ENOSPC: inotify watch limit reached". */
  lastError: string | null;
  events: number;
}

export interface HealthFacts {
  lastRunFailed: boolean;
  lastRunMessage: string | null;
  watcherState: WatcherState;
  watcherError: string | null;
  writeError: string | null;
  /** The index file left its path (deleted, replaced) and is being recovered, or cannot be. */
  indexFileProblem?: string | null;
  fileErrors: number;
  lagMs: number;
}

/** A change waiting longer than this makes the index degraded. */
export const MAX_LAG_MS = 30_000;

export function assessHealth(f: HealthFacts): { health: Health; reasons: string[] } {
  const unhealthy: string[] = [];
  if (f.lastRunFailed) unhealthy.push(`the last sync run failed${f.lastRunMessage ? `: ${f.lastRunMessage}` : ''}`);
  if (f.watcherState === 'down') unhealthy.push(`the file watcher is down: changes are not seen${f.watcherError ? ` (${f.watcherError})` : ''}`);
  if (f.indexFileProblem) unhealthy.push(f.indexFileProblem);
  if (f.writeError) unhealthy.push(f.writeError);
  if (unhealthy.length > 0) return { health: 'unhealthy', reasons: unhealthy };

  const degraded: string[] = [];
  if (f.fileErrors > 0) degraded.push(`${f.fileErrors} ${f.fileErrors === 1 ? 'file has' : 'files have'} problems`);
  if (f.watcherState === 'degraded') degraded.push(`the file watcher reported an error${f.watcherError ? `: ${f.watcherError}` : ''}`);
  if (f.lagMs > MAX_LAG_MS) degraded.push(`a change has waited ${Math.round(f.lagMs / 1000)} s to be indexed`);
  return degraded.length > 0 ? { health: 'degraded', reasons: degraded } : { health: 'healthy', reasons: [] };
}
