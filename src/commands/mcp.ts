/**
 * `inkdex mcp`: an MCP server on stdin/stdout (SPEC §5.1) over the index of one journal,
 * kept by this process or read beside the one keeping it (mcp-index.ts). stdout carries
 * protocol messages only; everything else goes to stderr. It ends cleanly — the index
 * written, the lock released — when the client goes away (stdin closed: the SDK's stdio
 * transport does not notice by itself), on SIGINT/SIGTERM, or when stdout breaks.
 */
import type { Config } from './config.js';
import { follow } from './follow.js';
import { McpIndex } from './mcp-index.js';
import { shutdownSignals } from './signals.js';
import { packageVersion } from './version.js';
import { shiftedClock } from '../core/clock.js';

const log = (line: string): void => void process.stderr.write(line + '\n');

/** @returns the process exit code */
export async function mcpCommand(config: Config): Promise<number> {
  // Listening from the start: a signal while the index loads must not kill us holding the lock.
  const shutdown = shutdownSignals();
  const clientGone = new Promise<string>((resolve) => {
    process.stdin.once('end', () => resolve('stdin closed'));
    process.stdin.once('close', () => resolve('stdin closed'));
    process.stdout.once('error', () => resolve('stdout closed'));
  });
  // The MCP SDK costs ~350 ms of CPU to load: it loads while the index opens.
  const sdk = Promise.all([import('@modelcontextprotocol/sdk/server/stdio.js'), import('../mcp/server.js'), import('../mcp/changes.js')]);
  const index = new McpIndex(config, log);
  await index.start();
  const [{ StdioServerTransport }, { createMcpServer }, { ChangeFeed }] = await sdk;
  const reader = follow(() => index.reader());
  const session = createMcpServer({
    reader,
    ready: () => index.ready(),
    status: () => index.status(),
    journal: config.journal,
    maxFileSize: config.maxFileSize,
    changes: new ChangeFeed(reader),
    version: packageVersion(),
    clock: shiftedClock(config.clockShiftMs),
  });
  await session.server.connect(new StdioServerTransport());
  // Questions are answered from now on: a keeper starts watching and syncing.
  index.go();
  log(`inkdex: MCP server on stdin/stdout for ${config.journal} (${index.role === 'keeping' ? 'keeping' : 'reading'} the index ${config.db})`);

  const why = await Promise.race([shutdown.received, clientGone]);
  // SPEC §5.1: a client that went away ends the process within 2 s, like a signal.
  shutdown.startDeadline('inkdex: shutdown took too long; exiting');
  log(`inkdex: ${why}: closing the MCP server`);
  await session.close().catch(() => undefined);
  await index.close();
  return 0;
}
