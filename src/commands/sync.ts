/**
 * `inkdex sync`: one full sync, a summary, exit.
 */
import { journalRules, type Config } from './config.js';
import { describeRunFailure } from './failure.js';
import { scanFolder, type ScanResult } from '../sync/scan.js';
import { openIndex } from '../index/open-index.js';
import { isCorruption } from '../index/index-file-check.js';
import { progressReporter } from './progress.js';
import { runSync } from '../sync/sync.js';
import type { RunSummary } from '../core/seam.js';
import { shutdownSignals } from './signals.js';
import { shiftedClock } from '../core/clock.js';

/** @returns the process exit code */
export async function syncCommand(config: Config): Promise<number> {
  const rules = journalRules(config);
  // SIGINT/SIGTERM: the run stops at its next turn, what it did is written, exit 0.
  // Listening from the start: a signal while the index loads must not kill us holding the lock.
  let index: Awaited<ReturnType<typeof openIndex>> | undefined;
  // Leaving early: what is committed is safe (native: in the file; wasm: the last file written stays).
  const shutdown = shutdownSignals(() => index?.releaseLock());
  void shutdown.received.then((signal) => {
    process.stderr.write(`\ninkdex: ${signal}: stopping the sync and writing the index\n`);
    shutdown.startDeadline('inkdex: stopping took too long; exiting with what is already written');
  });
  let listing: ScanResult | undefined;
  try {
    // List the folder while the index file is read (off the main thread).
    index = await openIndex(
      config,
      (line) => process.stderr.write(line + '\n'),
      async () => {
        listing = await scanFolder(config.journal, rules).catch(() => undefined);
      },
    );
  } catch (err) {
    shutdown.dispose();
    throw err;
  }
  const opened = index;
  try {
    const progress = progressReporter(process.stderr);
    const run = (): ReturnType<typeof runSync> =>
      runSync(opened.store, { root: config.journal, rules, maxFileSize: config.maxFileSize, ftsInOnePass: true, clock: shiftedClock(config.clockShiftMs) }, { kind: 'full', ...(listing ? { scan: listing } : {}) }, 'cli', {
        onProgress: progress.update,
        shouldStop: () => shutdown.signal !== null,
      });
    let { summary } = await run();
    if (summary.status === 'failed' && isCorruption(summary.message) && shutdown.signal === null) {
      // Damage the opening checks could not see (pages read only now): start afresh, once.
      await opened.startAfresh(`it is damaged (${summary.message})`);
      ({ summary } = await run());
    }
    progress.done();
    opened.file.persist();
    const errors = opened.reader.runErrors(summary.id);
    if (config.json) process.stdout.write(JSON.stringify({ ...summary, journal: config.journal, db: config.db }) + '\n');
    else process.stdout.write(describeRun(summary, config.db) + '\n');
    reportFileErrors(errors);
    if (summary.status === 'failed' && shutdown.signal === null) {
      process.stderr.write(`inkdex: ${describeRunFailure(summary.message ?? 'unknown error', config.db)}\n`);
      return 1;
    }
    return 0;
  } finally {
    shutdown.dispose();
    opened.close();
  }
}

export function describeRun(s: RunSummary, db: string): string {
  const secs = (s.durationMs / 1000).toFixed(2);
  return (
    `inkdex: ${s.status === 'succeeded' ? 'synced' : 'sync failed after'} ${s.scanned} files in ${secs} s: ` +
    `${s.added} added, ${s.updated} updated, ${s.moved} moved, ${s.removed} removed, ${s.unchanged} unchanged, ${s.errors} errors → ${db}`
  );
}

const MAX_LISTED = 20;

function reportFileErrors(errors: Array<{ path: string; message: string }>): void {
  for (const e of errors.slice(0, MAX_LISTED)) process.stderr.write(`  ${e.path}: ${e.message}\n`);
  if (errors.length > MAX_LISTED) process.stderr.write(`  … and ${errors.length - MAX_LISTED} more (SELECT * FROM file_errors)\n`);
}
