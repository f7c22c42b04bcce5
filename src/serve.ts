/**
 * `inkdex serve`: take the lock, listen, start the watcher, run the startup sync, then
 * keep the index current until SIGINT/SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { type Config, StartError } from './config.js';
import { Flusher } from './flusher.js';
import { Indexer } from './indexer.js';
import { RunMetrics } from './metrics.js';
import { openIndex, packageVersion } from './open-index.js';
import { Queries } from './queries.js';
import { createApp } from './server.js';
import { JournalWatcher } from './watch.js';

/** After a watcher error, wait at least this long before the next catch-up full sync. */
const MISSED_RESYNC_MS = 30_000;
/** SPEC §1: exit within 2 s of a signal, whatever happens. */
const SHUTDOWN_DEADLINE_MS = 1800;

const log = (line: string): void => void process.stderr.write(line + '\n');

/** @returns the process exit code */
export async function serveCommand(config: Config): Promise<number> {
  // Listening from the start: a signal while the index loads must not kill us holding the lock.
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const { store, rules, release } = await openIndex(config, log);
  const indexer = new Indexer(store, { root: config.journal, rules, maxFileSize: config.maxFileSize });
  const flusher = new Flusher(store, config.db, () => indexer.current !== null, log);
  const metrics = new RunMetrics();
  let lastMissedResync = 0;
  const watcher = new JournalWatcher(config.journal, rules, {
    onPath: (p) => indexer.notePath(p),
    onDir: (d, deep) => indexer.noteDir(d, deep),
    onRecovered: (reason) => {
      // The journal folder is back (or was replaced): catch up now, not after MISSED_RESYNC_MS.
      log(`inkdex: ${reason}; a full sync catches up`);
      indexer.requestFull('watch');
    },
    onMissed: (reason) => {
      log(`inkdex: ${reason}; a full sync will catch up`);
      if (Date.now() - lastMissedResync < MISSED_RESYNC_MS) return;
      lastMissedResync = Date.now();
      indexer.requestFull('watch');
    },
  });
  indexer.on('run-finished', (run) => {
    metrics.record(run);
    flusher.markDirty();
    if (run.status === 'failed') log(`inkdex: ${run.trigger} sync failed: ${run.message}`);
  });

  const closing = new AbortController();
  let port = config.port;
  const app = createApp({
    queries: new Queries(store),
    indexer,
    watcher,
    flusher,
    metrics,
    journal: config.journal,
    db: config.db,
    version: packageVersion(),
    webDir: fileURLToPath(new URL('../../web/', import.meta.url)),
    closing: closing.signal,
    security: { host: config.host, port: () => port, token: config.token },
  });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: config.host });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    release();
    store.close();
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'the port is in use (try --port 0)' : e.code === 'EADDRNOTAVAIL' ? 'no such address here' : e.message;
    throw new StartError(`cannot listen on ${config.host}:${config.port}: ${why}`);
  }
  port = (server.address() as AddressInfo).port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(`inkdex: serving ${config.journal} at http://${shownHost}:${port}/\n`);

  // The watcher runs before the startup sync begins, so no edit made during it is lost.
  const watchStart = Date.now();
  await Promise.race([watcher.start(), stopped]);
  log(`inkdex: watching ${watcher.status().dirs} folders (ready in ${Date.now() - watchStart} ms)`);
  indexer.requestFull('startup');
  indexer.startReconcile(config.reconcileEveryMs);

  const signal = await stopped;
  const deadline = setTimeout(() => {
    log('inkdex: shutdown took too long; exiting');
    process.exit(0);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  process.once(signal, () => process.exit(0)); // a second signal: leave at once
  log(`inkdex: ${signal}: finishing up`);

  await indexer.stop();
  await watcher.close();
  flusher.markDirty();
  flusher.flushNow();
  closing.abort();
  server.close();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  store.close();
  release();
  return 0;
}
