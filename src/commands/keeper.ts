/**
 * Keeping an open index current — what `serve` and a keeping `inkdex mcp` share: the
 * indexer (driving the index's RunWriter), the flusher, the watcher, the follower of the
 * index file, the one status and the service log over the index, wired (runs feed the
 * metrics, the flusher and the log; a run that finds the index damaged starts it afresh),
 * then started and, at the end, stopped with the index written and the lock released.
 */
import { errorMessage } from '../core/errors.js';
import type { IgnoreRules } from '../core/ignore.js';
import type { IndexReader } from '../core/seam.js';
import { StatusSource } from '../core/status.js';
import { RunMetrics } from '../http/metrics.js';
import { isCorruption } from '../index/index-file-check.js';
import { Flusher } from '../live/flusher.js';
import { IndexFollower } from '../live/index-follower.js';
import { Indexer } from '../live/indexer.js';
import { JournalWatcher } from '../live/watch.js';
import { journalRules, type Config } from './config.js';
import { follow } from './follow.js';
import type { KeptIndex } from './kept-index.js';
import { ServiceLog } from './service-log.js';
import { packageVersion } from './version.js';
import { shiftedClock } from '../core/clock.js';

/** After a watcher error, wait at least this long before the next catch-up full sync. */
const MISSED_RESYNC_MS = 30_000;
/** A damaged index is started afresh at most this often. */
const AFRESH_EVERY_MS = 60_000;

export interface Keeper {
  readonly index: KeptIndex;
  readonly indexer: Indexer;
  readonly flusher: Flusher;
  readonly watcher: JournalWatcher;
  readonly metrics: RunMetrics;
  /** The one status, read by the API, the MCP tools and the service log alike. */
  readonly status: StatusSource;
  /** The reader over the index, following it when it is started afresh. */
  readonly queries: IndexReader;
  readonly version: string;
  /**
   * Starts the watcher, then the startup sync and the reconcile timer (not waiting out
   * the watcher past `stopped`).
   */
  start(stopped?: Promise<unknown>): Promise<void>;
  /**
   * Finishes (or abandons the rest of) the batch in hand, stops watching, writes the
   * index. `release`: also close the index and let go of its lock (the default).
   */
  stop(release?: boolean): Promise<void>;
}

/** The live parts over `index` (held, with its lock), wired but not started. */
export function keepIndex(config: Config, index: KeptIndex, log: (line: string) => void): Keeper {
  const rules = journalRules(config);
  // A run may find the index damaged, or its file may leave the path; it is then started
  // afresh or recovered under everyone, who hold it through these stand-ins.
  const queries = follow(() => index.reader);
  const indexer = new Indexer(index.writer, { root: config.journal, rules, maxFileSize: config.maxFileSize, clock: shiftedClock(config.clockShiftMs) });
  const flusher = new Flusher(follow(() => index.file), () => indexer.current !== null, log);
  // The index file followed by identity (SPEC §3): deleted, written back; replaced, checked.
  const follower = new IndexFollower({
    index: { path: config.db, fate: () => index.file.fate(), recover: () => index.recover() },
    idle: () => indexer.idle(),
    requestFull: (trigger) => indexer.requestFull(trigger),
    log,
  });
  const metrics = new RunMetrics();
  // The service log: a line per run that did something, per health change, per watcher
  // warning. Its health is the API's (the one status source, made below).
  const serviceLog = new ServiceLog({
    write: log,
    verbose: config.verbose,
    health: () => {
      const s = status.status();
      return { health: s.health, reasons: s.healthReasons };
    },
  });
  const healthTimer = setInterval(() => serviceLog.checkHealth(), 5000);
  healthTimer.unref();
  const watcher = watchJournal(config, rules, indexer, serviceLog, log);
  const version = packageVersion();
  const status = new StatusSource({ queries, indexer, watcher, indexFile: flusher, indexPath: follower, journal: config.journal, db: config.db, version });
  let lastAfresh = 0;
  indexer.on('run-finished', (run) => {
    metrics.record(run);
    flusher.markDirty();
    serviceLog.runFinished(run);
    // Damage the opening checks could not see: start afresh and sync the folder again
    // (at most once a minute, should the disk itself be failing).
    if (run.status === 'failed' && isCorruption(run.message) && Date.now() - lastAfresh > AFRESH_EVERY_MS) {
      lastAfresh = Date.now();
      index
        .startAfresh(`it is damaged (${run.message})`)
        .then(() => indexer.requestFull('startup'))
        .catch((err: unknown) => log(`inkdex: cannot rebuild the index ${config.db}: ${errorMessage(err)}`));
    }
  });

  let stopping: Promise<void> | null = null;
  return {
    index,
    indexer,
    flusher,
    watcher,
    metrics,
    status,
    queries,
    version,
    async start(stopped) {
      // The watcher runs before the startup sync begins, so no edit made during it is lost.
      const watchStart = Date.now();
      await Promise.race([watcher.start(), stopped ?? new Promise(() => undefined)]);
      if (stopping) return;
      log(`inkdex: watching ${watcher.status().dirs} folders (ready in ${Date.now() - watchStart} ms)`);
      follower.start();
      indexer.requestFull('startup').catch((err: unknown) => log(`inkdex: cannot start the startup sync: ${errorMessage(err)}`));
      indexer.startReconcile(config.reconcileEveryMs);
    },
    stop(release = true) {
      stopping ??= (async () => {
        clearInterval(healthTimer);
        follower.stop();
        await indexer.stop();
        await watcher.close();
        flusher.markDirty();
        flusher.flushNow();
        if (release) await index.close();
      })();
      return stopping;
    },
  };
}

/** The watcher (not started yet), reporting to the indexer; its troubles to the service log, each followed by a full sync. */
function watchJournal(config: Config, rules: IgnoreRules, indexer: Indexer, serviceLog: ServiceLog, log: (line: string) => void): JournalWatcher {
  let lastMissedResync = 0;
  return new JournalWatcher(config.journal, rules, {
    onPath: (p) => indexer.notePath(p),
    onDir: (d, deep) => indexer.noteDir(d, deep),
    onRecovered: (reason) => {
      // The journal folder is back (or was replaced): catch up now, not after MISSED_RESYNC_MS.
      log(`inkdex: ${reason}; a full sync catches up`);
      indexer.requestFull('watch').catch(() => undefined);
    },
    // A folder that could not be watched is watched now (or gone): the error is over.
    onCleared: (message) => log(`inkdex: ${message}; the watcher error is cleared`),
    onMissed: (reason) => {
      serviceLog.warning(`${reason}; a full sync will catch up`);
      if (Date.now() - lastMissedResync < MISSED_RESYNC_MS) return;
      lastMissedResync = Date.now();
      indexer.requestFull('watch').catch(() => undefined);
    },
  });
}
