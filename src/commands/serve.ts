/**
 * `inkdex serve`: take the lock (handed over by a keeping `inkdex mcp`), listen (the API,
 * the page and `/mcp`), start the watcher, run the startup sync, then keep the index
 * current until SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { StartError } from '../core/errors.js';
import type { Config } from './config.js';
import { createApp, createHttpServer } from '../http/app.js';
import type { HardenedServer } from '../http/safety.js';
import { keepIndex, type Keeper } from './keeper.js';
import { openKeptIndex } from './kept-index.js';
import { mcpEndpoint, type McpEndpoint } from './mcp-http.js';
import { shutdownSignals } from './signals.js';
import { shiftedClock } from '../core/clock.js';

const log = (line: string): void => void process.stderr.write(line + '\n');
/** How long serve waits for a keeping `inkdex mcp` to hand the index over. */
const HAND_OVER_WAIT_MS = 1500;

/** @returns the process exit code */
export async function serveCommand(config: Config): Promise<number> {
  // Listening from the start: a signal while the index loads must not kill us holding the lock.
  const shutdown = shutdownSignals();
  // An assistant's `inkdex mcp` keeping the index hands it over (SPEC §5.1: serve starts within 2 s).
  const index = await openKeptIndex({ ...config, handOver: { from: ['inkdex mcp'], waitMs: HAND_OVER_WAIT_MS } }, log);
  const keeper = keepIndex(config, index, log);
  const closing = new AbortController();
  const mcp = mcpEndpoint(config, keeper);
  const { server, connections, port } = await listen(config, keeper, mcp, closing.signal).catch(async (err: unknown) => {
    await keeper.stop();
    throw err;
  });
  announce(config, port);
  await keeper.start(shutdown.received);

  const signal = await shutdown.received;
  shutdown.startDeadline('inkdex: shutdown took too long; exiting');
  log(`inkdex: ${signal}: finishing up`);
  // The HTTP side first and at once: event streams and keep-alive sockets would otherwise
  // hold the process open past the deadline.
  closing.abort();
  connections.closeAll();
  await mcp.close();
  await keeper.stop();
  server.close();
  return 0;
}

/** The app on its server, listening. @throws StartError when the address cannot be had */
async function listen(config: Config, parts: Keeper, mcp: McpEndpoint, closing: AbortSignal): Promise<{ server: Server; connections: HardenedServer; port: number }> {
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
    mcp: (request) => mcp.handle(request),
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
