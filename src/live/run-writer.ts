/**
 * What the live indexer asks of whoever writes its runs: run one sync, reserve a run's
 * row ahead of time (a resync request answers with its id), cancel a reservation. Either
 * in this thread (runSync on the store: the wasm engine, tests) or on the native engine's
 * writer thread (commands/writer-thread.ts), so that the thread answering the API never
 * waits for the index's writes.
 */
import type { SyncStore, Trigger } from '../core/seam.js';
import { cancelReservedRun, reserveRun, runSync, type RunHooks, type RunResult, type Scope, type SyncOptions } from '../sync/sync.js';

export interface RunWriter {
  /** Runs one sync over `scope` (see runSync); `reservedId`: a row reserved earlier. */
  run(scope: Scope, trigger: Trigger, hooks: RunHooks, reservedId: number | null): Promise<RunResult>;
  /** Makes the row of a full run that starts later. */
  reserveRun(trigger: Trigger): Promise<{ id: number; startedAt: string }>;
  /** A reserved run that will never start. */
  cancelReservedRun(id: number): Promise<void>;
}

/** Runs one sync (runSync; a fake in unit tests). */
export type RunFn = typeof runSync;

/** A writer that runs syncs in this thread, on `store`. */
export function inProcessWriter(store: SyncStore, opts: SyncOptions, run: RunFn = runSync): RunWriter {
  return {
    run: (scope, trigger, hooks, reservedId) => run(store, opts, scope, trigger, hooks, reservedId),
    reserveRun: async (trigger) => reserveRun(store, trigger, opts.clock),
    cancelReservedRun: async (id) => cancelReservedRun(store, id, opts.clock),
  };
}
