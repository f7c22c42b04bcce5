/**
 * Taking hold of an index: the lock, then the file (or a fresh index when it is absent,
 * corrupt or of another schema version).
 */
import fs from 'node:fs';
import { type Config, indexPathInJournal } from './config.js';
import { prepareIndexPath } from './index-path.js';
import { ignoreRules, type IgnoreRules } from './ignore.js';
import { acquireLock } from './lock.js';
import { readIndexFile } from './persist.js';
import { loadSql } from './database.js';
import { Store } from './store.js';

export interface OpenIndex {
  store: Store;
  rules: IgnoreRules;
  release(): void;
}

/**
 * @param log where to say that the index is being rebuilt, and why
 * @param whileReading work to overlap with reading the index file (which happens off the
 *   main thread, once the lock is held), given the journal's ignore rules
 */
export async function openIndex(config: Config, log: (line: string) => void, whileReading?: (rules: IgnoreRules) => Promise<void>): Promise<OpenIndex> {
  prepareIndexPath(config.db);
  const rules = ignoreRules(config.ignore, indexPathInJournal(config));
  const release = acquireLock(config.db, `inkdex ${config.command}`);
  try {
    // sql.js first, before other work keeps the main thread busy (it needs a few turns of
    // the event loop: ~15 ms alone, ~95 ms during the folder walk), and before the index's
    // buffer: under an address-space limit (ulimit -v) its memory must be reserved first.
    await loadSql();
    const reading = readIndexFile(config.db);
    reading.catch(() => undefined); // awaited below, after whileReading
    await whileReading?.(rules);
    const { store, rebuiltBecause } = await Store.open(await reading, config.journal);
    if (rebuiltBecause) log(`inkdex: rebuilding the index ${config.db} from the folder: ${rebuiltBecause}`);
    store.failInterruptedRuns(new Date().toISOString());
    return { store, rules, release };
  } catch (err) {
    release();
    throw err;
  }
}

/** The package version, read once from package.json. */
export function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
