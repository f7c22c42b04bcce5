/**
 * `inkdex mcp`: an MCP server on stdin/stdout (SPEC §5.1) over the index of one journal.
 * stdout carries protocol messages only; everything else goes to stderr. It ends cleanly
 * when the client goes away (stdin closed: the SDK's stdio transport does not notice), on
 * SIGINT/SIGTERM, or when stdout breaks.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Config } from './config.js';
import { follow } from './follow.js';
import { ChangeFeed } from '../mcp/changes.js';
import { createMcpServer } from '../mcp/server.js';
import { ReadBeside } from './read-beside.js';
import { packageVersion } from './version.js';

/** SPEC §5.1: a client that went away ends the process within 2 s. */
const SHUTDOWN_DEADLINE_MS = 1800;

const log = (line: string): void => void process.stderr.write(line + '\n');

/** @returns the process exit code */
export async function mcpCommand(config: Config): Promise<number> {
  const ended = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.stdin.once('end', () => resolve('stdin closed'));
    process.stdin.once('close', () => resolve('stdin closed'));
    process.stdout.once('error', () => resolve('stdout closed'));
  });

  const index = new ReadBeside(config.db, config.engine);
  await index.start();
  const reader = follow(() => index.reader());
  const session = createMcpServer({
    reader,
    status: () => ({ ...readerStatus(reader), journal: config.journal, engine: index.engineName ?? 'native', version: packageVersion() }),
    journal: config.journal,
    maxFileSize: config.maxFileSize,
    changes: new ChangeFeed(reader),
    version: packageVersion(),
  });
  await session.server.connect(new StdioServerTransport());
  log(`inkdex: MCP server on stdin/stdout for ${config.journal} (reading ${config.db})`);

  const why = await ended;
  const deadline = setTimeout(() => {
    log('inkdex: shutdown took too long; exiting');
    process.exit(0);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  log(`inkdex: ${why}: closing the MCP server`);
  await session.close().catch(() => undefined);
  index.close();
  return 0;
}

/** The status as a reader of the index sees it (the process keeping it knows more). */
function readerStatus(reader: ReturnType<ReadBeside['reader']>): Record<string, unknown> {
  const counts = reader.counts();
  const lastRun = reader.lastFinishedRun() ?? null;
  const unhealthy = lastRun?.status === 'failed';
  return {
    state: 'idle',
    health: unhealthy ? 'unhealthy' : counts.errors > 0 ? 'degraded' : 'healthy',
    healthReasons: [],
    db: { path: '', sizeBytes: 0, lastWriteAt: null },
    watcher: { state: 'watching', files: counts.entries, dirs: 0 },
    counts,
    currentRun: null,
    lastRun,
  };
}
