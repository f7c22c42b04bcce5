#!/usr/bin/env node
/**
 * The `inkdex` binary: arguments → config → command; failures → one clear line and an
 * exit code (0 ok, 1 the run failed, 2 bad usage). Each command's modules are loaded
 * only when it runs (`--version` loads no index code, `sync` no HTTP server).
 */
import { parseCommandLine, USAGE } from './commands/config.js';
import { describeFailure } from './commands/failure.js';
import { packageVersion } from './commands/version.js';

/** The command's config once read, so that a failure can name the index it was working on. */
let current: { db: string; journal: string } | null = null;

// Each command is loaded when asked for: a query verb must not pay for loading the sync
// engine, the watcher, hono or the MCP SDK (`inkdex search` is a whole process per query).

async function main(): Promise<number> {
  const parsed = parseCommandLine(process.argv.slice(2), process.env, process.cwd());
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(packageVersion() + '\n');
    return 0;
  }
  current = parsed.config;
  if (parsed.kind === 'query') {
    const { queryCommand } = await import('./commands/query.js');
    return queryCommand(parsed.config);
  }
  const { config } = parsed;
  if (config.command === 'sync') {
    const { syncCommand } = await import('./commands/sync.js');
    return syncCommand(config);
  }
  if (config.command === 'mcp') {
    const { mcpCommand } = await import('./commands/mcp.js');
    return mcpCommand(config);
  }
  const { serveCommand } = await import('./commands/serve.js');
  return serveCommand(config);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const failure = describeFailure(err, current && { db: current.db, journal: current.journal });
    process.stderr.write(`inkdex: ${failure.line}\n`);
    if (process.env.INKDEX_DEBUG) console.error(err);
    process.exitCode = failure.exitCode;
  },
);
