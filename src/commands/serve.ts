/**
 * `inkdex serve`: take the lock, listen, start the watcher, run the startup sync, then
 * keep the index current until SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { errorMessage, StartError } from '../core/errors.js';
import { journalRules, type Config } from './config.js';
import { Flusher } from '../live/flusher.js';
import { Indexer } from '../live/indexer.js';
import { RunMetrics } from '../http/metrics.js';
import { openIndex, type OpenIndex } from '../index/open-index.js';
import { isCorruption } from '../index/index-file-check.js';
import { follow } from './follow.js';
import { packageVersion } from './version.js';
import { createApp, createHttpServer } from '../http/app.js';
import type { HardenedServer } from '../http/safety.js';
import type { IgnoreRules } from '../core/ignore.js';
import type { IndexReader } from '../core/seam.js';
import { ServiceLog } from './service-log.js';
import { JournalWatcher } from '../live/watch.js';
import { StatusSource } from '../core/status.js';
import { shutdownSignals } from './signals.js';
import { shiftedClock } from '../core/clock.js';

/** After a watcher error, wait at least this long before the next catch-up full sync. */
const MISSED_RESYNC_MS = 30_000;
/** A damaged index is started afresh at most this often. */
const AFRESH_EVERY_MS = 60_000;

const log = (line: string): void => void process.stderr.write(line + '\n');

/** The long-lived parts of a running serve, wired to one another. */
interface LiveParts {
  indexer: Indexer;
  flusher: Flusher;
  watcher: JournalWatcher;
  metrics: RunMetrics;
  /** The one status, read by the API and the service log alike. */
  status: StatusSource;
  queries: IndexReader;
  version: string;
  healthTimer: NodeJS.Timeout;
}

/** @returns the process exit code */
export async function serveCommand(config: Config): Promise<number> {
  // Listening from the start: a signal while the index loads must not kill us holding the lock.
  const shutdown = shutdownSignals();
  const index = await openIndex(config, log);
  const parts = startLiveParts(config, index);
  const closing = new AbortController();
  const { server, connections, port } = await listen(config, parts, closing.signal).catch((err: unknown) => {
    index.close();
    throw err;
  });
  announce(config, port);
  await startWatching(config, parts, shutdown.received);

  const signal = await shutdown.received;
  shutdown.startDeadline('inkdex: shutdown took too long; exiting');
  log(`inkdex: ${signal}: finishing up`);
  clearInterval(parts.healthTimer);
  // The HTTP side first and at once: event streams and keep-alive sockets would otherwise
  // hold the process open past the deadline.
  closing.abort();
  connections.closeAll();
  await parts.indexer.stop();
  await parts.watcher.close();
  parts.flusher.markDirty();
  parts.flusher.flushNow();
  server.close();
  index.close();
  return 0;
}

/**
 * The indexer, the flusher, the watcher, the status and the service log over the open
 * index, wired: runs feed the metrics, the flusher and the log; a run that finds the
 * index damaged starts it afresh.
 */
function startLiveParts(config: Config, index: OpenIndex): LiveParts {
  const rules = journalRules(config);
  // A run may find the index damaged; it is then started afresh under everyone, who hold
  // it through these stand-ins.
  const queries = follow(() => index.reader);
  const indexer = new Indexer(follow(() => index.store), { root: config.journal, rules, maxFileSize: config.maxFileSize, clock: shiftedClock(config.clockShiftMs) });
  const flusher = new Flusher(follow(() => index.file), () => indexer.current !== null, log);
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
  const watcher = watchJournal(config, rules, indexer, serviceLog);
  const version = packageVersion();
  const status = new StatusSource({ queries, indexer, watcher, indexFile: flusher, journal: config.journal, db: config.db, version });
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
  return { indexer, flusher, watcher, metrics, status, queries, version, healthTimer };
}

/** The watcher (not started yet), reporting to the indexer; its troubles to the service log, each followed by a full sync. */
function watchJournal(config: Config, rules: IgnoreRules, indexer: Indexer, serviceLog: ServiceLog): JournalWatcher {
  let lastMissedResync = 0;
  return new JournalWatcher(config.journal, rules, {
    onPath: (p) => indexer.notePath(p),
    onDir: (d, deep) => indexer.noteDir(d, deep),
    onRecovered: (reason) => {
      // The journal folder is back (or was replaced): catch up now, not after MISSED_RESYNC_MS.
      log(`inkdex: ${reason}; a full sync catches up`);
      indexer.requestFull('watch');
    },
    // A folder that could not be watched is watched now (or gone): the error is over.
    onCleared: (message) => log(`inkdex: ${message}; the watcher error is cleared`),
    onMissed: (reason) => {
      serviceLog.warning(`${reason}; a full sync will catch up`);
      if (Date.now() - lastMissedResync < MISSED_RESYNC_MS) return;
      lastMissedResync = Date.now();
      indexer.requestFull('watch');
    },
  });
}

/** The app on its server, listening. @throws StartError when the address cannot be had */
async function listen(config: Config, parts: LiveParts, closing: AbortSignal): Promise<{ server: Server; connections: HardenedServer; port: number }> {
  let port = config.port;
  const app = createApp({
    status: parts.status,
    queries: parts.queries,
    indexer: parts.indexer,
    watcher: parts.watcher,
    indexFile: parts.flusher,
    metrics: parts.metrics,
    clock: shiftedClock(config.clockShiftMs),
    journal: config.journal,
    db: config.db,
    version: parts.version,
    webDir: fileURLToPath(new URL('../../../web/', import.meta.url)),
    closing,
    security: { host: config.host, port: () => port, token: config.token },
  });
  const { server, connections } = createHttpServer(app, config.host);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'the port is in use (try --port 0)' : e.code === 'EADDRNOTAVAIL' ? 'no such address here' : e.message;
    throw new StartError(`cannot listen on ${config.host}:${config.port}: ${why}`);
  }
  port = (server.address() as AddressInfo).port;
  return { server, connections, port };
}

/** The one line on stdout: where the page is. */
function announce(config: Config, port: number): void {
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  // With a token, the printed URL carries it, so a click opens a page that works.
  const tokenQuery = config.token ? `?token=${encodeURIComponent(config.token)}` : '';
  process.stdout.write(`inkdex: serving ${config.journal} at http://${shownHost}:${port}/${tokenQuery}\n`);
}

/** Starts the watcher, then the startup sync and the reconcile timer (not waiting out the watcher past a signal). */
async function startWatching(config: Config, { watcher, indexer }: LiveParts, signalled: Promise<string>): Promise<void> {
  // The watcher runs before the startup sync begins, so no edit made during it is lost.
  const watchStart = Date.now();
  await Promise.race([watcher.start(), signalled]);
  log(`inkdex: watching ${watcher.status().dirs} folders (ready in ${Date.now() - watchStart} ms)`);
  indexer.requestFull('startup');
  indexer.startReconcile(config.reconcileEveryMs);
}
