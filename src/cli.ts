#!/usr/bin/env node
/**
 * The `inkdex` binary: arguments → config → command; failures → one clear line and an
 * exit code (0 ok, 1 the run failed, 2 bad usage).
 */
import { parseCommandLine, StartError, USAGE, UsageError } from './config.js';
import { packageVersion } from './open-index.js';
import { LockedError } from './lock.js';
import { syncCommand } from './sync-command.js';

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
  const { config } = parsed;
  if (config.command === 'sync') return syncCommand(config);
  const { serveCommand } = await import('./serve.js');
  return serveCommand(config);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`inkdex: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof StartError || err instanceof LockedError) {
      process.stderr.write(`inkdex: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`inkdex: ${err instanceof Error ? err.message : String(err)}\n`);
      if (process.env.INKDEX_DEBUG) console.error(err);
      process.exitCode = 1;
    }
  },
);
