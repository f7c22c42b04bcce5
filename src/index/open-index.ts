/**
 * Taking hold of an index: the lock (handed over by its holder when asked for), then the
 * file with the engine chosen (engine.ts), or a fresh index when it is absent, damaged or
 * of another schema version (never somebody else's file). Holding the lock, it can also
 * start the index afresh.
 */
import path from 'node:path';
import { StartError } from '../core/errors.js';
import { prepareIndexPath } from './index-path.js';
import { acquireLock, acquireLockHandedOver } from './lock.js';
import { loadSql } from './wasm-database.js';
import { ForeignFileError, removeIndexFiles } from './index-file-check.js';
import type { EngineName, OpenedIndex } from '../core/seam.js';
import { chooseEngine, namedEngine, type NativeModule } from './engine.js';
import { openNative } from './native-engine.js';
import { openWasm, startReadingWasm } from './wasm-engine.js';
import { carriedLine } from './carry.js';
import { SCHEMA_VERSION } from './schema.js';

/** What opening an index needs to know (the command's Config has all of it). */
export interface IndexOptions {
  /** The index file. */
  readonly db: string;
  /** The journal folder (absolute, real path). */
  readonly journal: string;
  /** Asked for on the command line; null: native when it loads here, else wasm. */
  readonly engine: EngineName | null;
  /** The command holding the lock (`serve`, `sync`), named in the lock for a second process. */
  readonly command: string;
  /**
   * Commands asked to hand the index over when they hold the lock (`serve` asks a keeping
   * `inkdex mcp`, SPEC §5.1), and how long to wait for it.
   */
  readonly handOver?: { readonly from: readonly string[]; readonly waitMs: number };
}

export interface OpenIndex extends OpenedIndex {
  /**
   * Drops the index (found damaged while in use) and starts a new, empty one in its place,
   * keeping the lock: the caller then syncs the folder again.
   */
  startAfresh(why: string): Promise<OpenedIndex>;
  /** Closes the index (the file alone is then complete) and releases the lock. Safe to call twice. */
  close(): void;
  /** Only releases the lock (a process about to exit without closing). */
  releaseLock(): void;
}

/**
 * @param log where to say that the index is being rebuilt (and why), or which engine runs
 * @param whileOpening work to overlap with reading the index file (the wasm engine reads
 *   it off the main thread once the lock is held)
 */
export async function openIndex(config: IndexOptions, log: (line: string) => void, whileOpening?: () => Promise<void>): Promise<OpenIndex> {
  const engine = chooseEngine(config.engine, log);
  prepareIndexPath(config.db);
  const ownPath = config.db === path.join(config.journal, '.inkdex', 'index.sqlite');
  const release = config.handOver
    ? await acquireLockHandedOver(config.db, `inkdex ${config.command}`, config.handOver.from, config.handOver.waitMs)
    : acquireLock(config.db, `inkdex ${config.command}`);
  const sayRebuilding = (why: string): void => log(`inkdex: rebuilding the index ${config.db} from the folder: ${why}`);
  const sayWhatWasKept = (o: OpenedIndex): void => {
    if (o.upgradedFrom !== null) {
      log(`inkdex: upgraded the index ${config.db} in place from schema version ${o.upgradedFrom} to ${SCHEMA_VERSION} (entry ids and your own tables and views kept); this run reads every note again`);
    }
    const carried = o.carried && carriedLine(o.carried);
    if (carried) log(`inkdex: ${carried} (entry ids are new)`);
  };
  try {
    let opened = engine.name === 'native' ? await openNativeIndex(engine.module, config, ownPath, whileOpening) : await openWasmIndex(config, ownPath, whileOpening);
    if (opened.rebuiltBecause) sayRebuilding(opened.rebuiltBecause);
    sayWhatWasKept(opened);
    opened.store.failInterruptedRuns(new Date().toISOString());
    let closed = false;
    const index: OpenIndex = {
      ...opened,
      async startAfresh(why) {
        sayRebuilding(why);
        try {
          opened.file.close();
        } catch {
          // it is damaged: closing it cleanly may fail
        }
        // The native engine reads the user's own tables from the damaged file before it
        // replaces it; the wasm engine's copy in memory is gone with the file.
        if (engine.name === 'wasm') removeIndexFiles(config.db);
        opened = engine.name === 'native' ? openNative(engine.module, config.db, config.journal, ownPath, why) : await openWasm(config.db, config.journal, { reading: Promise.resolve(null), damaged: why, legacy: false });
        sayWhatWasKept(opened);
        Object.assign(index, { store: opened.store, reader: opened.reader, file: opened.file, rebuiltBecause: why, upgradedFrom: null, carried: opened.carried });
        return opened;
      },
      releaseLock: release,
      close() {
        if (closed) return;
        closed = true;
        try {
          opened.file.close();
        } finally {
          release();
        }
      },
    };
    return index;
  } catch (err) {
    release();
    if (err instanceof ForeignFileError) throw new StartError(err.message);
    throw err;
  }
}

async function openNativeIndex(module: NativeModule, config: IndexOptions, ownPath: boolean, whileOpening?: () => Promise<void>): Promise<OpenedIndex> {
  const opened = openNative(module, config.db, config.journal, ownPath);
  try {
    await whileOpening?.();
  } catch (err) {
    opened.file.close();
    throw err;
  }
  return opened;
}

async function openWasmIndex(config: IndexOptions, ownPath: boolean, whileOpening?: () => Promise<void>): Promise<OpenedIndex> {
  // sql.js first, before other work keeps the main thread busy (it needs a few turns of
  // the event loop: ~15 ms alone, ~95 ms during the folder walk), and before the index's
  // buffer: under an address-space limit (ulimit -v) its memory must be reserved first.
  await loadSql();
  const read = startReadingWasm(config.db, ownPath);
  read.reading.catch(() => undefined); // awaited in openWasm, after whileOpening
  await whileOpening?.();
  return openWasm(config.db, config.journal, read);
}

/**
 * An index at `file` with the engine named, without the lock or the checks' log lines:
 * for tests and benchmarks that drive the storage seam in-process.
 */
export async function openIndexFile(engine: EngineName, file: string, journalRoot: string): Promise<OpenedIndex> {
  const chosen = namedEngine(engine);
  return chosen.name === 'native' ? openNative(chosen.module, file, journalRoot) : openWasm(file, journalRoot, startReadingWasm(file));
}
