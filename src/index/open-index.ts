/**
 * Taking hold of an index: the lock (handed over by its holder when asked for), then the
 * file with the engine chosen (engine.ts), or a fresh index when it is absent, damaged or
 * of another schema version (never somebody else's file). Holding it, it can start the
 * index afresh, and follow its file by identity: written back when deleted, re-checked
 * when replaced (SPEC §3).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StartError } from '../core/errors.js';
import { INDEX_FOLDER, prepareIndexPath } from './index-path.js';
import { acquireLock, acquireLockHandedOver } from './lock.js';
import { ForeignFileError, removeIndexFiles } from './index-file-check.js';
import type { EngineName, FileFate, OpenedIndex, Recovery } from '../core/seam.js';
import { chooseEngine, namedEngine, type Engine, type NativeModule } from './engine.js';
import { openNative, recoverNative } from './native-engine.js';
import { carriedLine } from './carry.js';
import { SCHEMA_VERSION } from './schema.js';

/** The wasm engine's modules (sql.js and the whole-file writer), loaded only when it is used. */
const wasmEngine = (): Promise<typeof import('./wasm-engine.js')> => import('./wasm-engine.js');

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

/** An index held open by this process (the lock aside): the three views, and what can be done to it. */
export interface HeldIndex extends OpenedIndex {
  /**
   * Drops the index (found damaged while in use) and starts a new, empty one in its place:
   * the caller then syncs the folder again.
   */
  startAfresh(why: string): Promise<OpenedIndex>;
  /** Whether the path still holds the file this index writes. */
  fate(): FileFate;
  /**
   * The path no longer holds this index's file: write the index back (deleted), or check
   * what replaced it — an inkdex index is adopted (the caller then syncs the folder), any
   * other file is left alone and nothing is written until it is gone (call again then).
   */
  recover(): Promise<Recovery>;
  /** Closes the index (the file alone is then complete). Safe to call twice. */
  close(): void;
}

export interface OpenIndex extends HeldIndex {
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
  const lock = await lockIndex(config);
  try {
    const held = await holdIndex(engine, config, log, whileOpening);
    return {
      ...held,
      get store() {
        return held.store;
      },
      get reader() {
        return held.reader;
      },
      get file() {
        return held.file;
      },
      get rebuiltBecause() {
        return held.rebuiltBecause;
      },
      get upgradedFrom() {
        return held.upgradedFrom;
      },
      get carried() {
        return held.carried;
      },
      async recover() {
        if (held.fate() !== 'same') lock.ensure();
        return held.recover();
      },
      releaseLock: () => lock.release(),
      close() {
        try {
          held.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    if (err instanceof ForeignFileError) throw new StartError(err.message);
    throw err;
  }
}

/**
 * The index file opened with `engine`, without the lock (the caller holds it: a process's
 * writer thread opens the index its main thread locked). Says on `log` when it rebuilds.
 */
export async function holdIndex(engine: Engine, config: Omit<IndexOptions, 'engine' | 'command'>, log: (line: string) => void, whileOpening?: () => Promise<void>): Promise<HeldIndex> {
  const ownPath = config.db === path.join(config.journal, INDEX_FOLDER, 'index.sqlite');
  const sayRebuilding = (why: string): void => log(`inkdex: rebuilding the index ${config.db} from the folder: ${why}`);
  const sayWhatWasKept = (o: OpenedIndex): void => {
    if (o.upgradedFrom !== null) {
      log(`inkdex: upgraded the index ${config.db} in place from schema version ${o.upgradedFrom} to ${SCHEMA_VERSION} (entry ids and your own tables and views kept); this run reads every note again`);
    }
    const carried = o.carried && carriedLine(o.carried);
    if (carried) log(`inkdex: ${carried} (entry ids are new)`);
  };
  let opened = engine.name === 'native' ? await openNativeIndex(engine.module, config, ownPath, whileOpening) : await openWasmIndex(config, ownPath, whileOpening);
  if (opened.rebuiltBecause) sayRebuilding(opened.rebuiltBecause);
  sayWhatWasKept(opened);
  opened.store.failInterruptedRuns(new Date().toISOString());
  let closed = false;
  const use = (next: OpenedIndex): OpenedIndex => {
    opened = next;
    sayWhatWasKept(next);
    Object.assign(held, { store: next.store, reader: next.reader, file: next.file, rebuiltBecause: next.rebuiltBecause, upgradedFrom: next.upgradedFrom, carried: next.carried });
    return next;
  };
  const held: HeldIndex = {
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
      return use(
        engine.name === 'native'
          ? openNative(engine.module, config.db, config.journal, ownPath, why)
          : await (await wasmEngine()).openWasm(config.db, config.journal, { reading: Promise.resolve(null), damaged: why, legacy: false }),
      );
    },
    fate: () => opened.file.fate(),
    async recover() {
      if (opened.file.fate() === 'gone') prepareIndexPath(config.db, config.journal); // its folder may be gone too
      const { recovery, next } = engine.name === 'native' ? recoverNative(engine.module, opened, config.journal, ownPath) : await (await wasmEngine()).recoverWasm(opened, config.journal);
      if (next) {
        use(next);
        // A run cut short by the move left its row 'running' in the file now at the path.
        next.store.failInterruptedRuns(new Date().toISOString(), 'interrupted: the index file left its path while the run was writing it');
      }
      if (recovery.outcome === 'rebuilt') sayRebuilding(recovery.why);
      return recovery;
    },
    close() {
      if (closed) return;
      closed = true;
      opened.file.close();
    },
  };
  return held;
}

/** The index's folder made, and its lock taken — handed over by its holder if `config` says so (throws LockedError naming the holder). */
export async function lockIndex(config: IndexOptions): Promise<HeldLock> {
  prepareIndexPath(config.db, config.journal);
  const release = config.handOver
    ? await acquireLockHandedOver(config.db, `inkdex ${config.command}`, config.handOver.from, config.handOver.waitMs)
    : acquireLock(config.db, `inkdex ${config.command}`);
  return new HeldLock(config, release);
}

/** The lock file beside the index, held; taken again should it vanish (its folder deleted while serving). */
export class HeldLock {
  constructor(
    private readonly config: IndexOptions,
    private releaseFn: () => void,
  ) {}

  /** Takes the lock again if its file is gone (throws LockedError if another process took it meanwhile). */
  ensure(): void {
    if (fs.existsSync(`${this.config.db}.lock`)) return;
    prepareIndexPath(this.config.db, this.config.journal);
    this.releaseFn = acquireLock(this.config.db, `inkdex ${this.config.command}`);
  }

  release(): void {
    this.releaseFn();
  }
}

async function openNativeIndex(module: NativeModule, config: Omit<IndexOptions, 'engine' | 'command'>, ownPath: boolean, whileOpening?: () => Promise<void>): Promise<OpenedIndex> {
  const opened = openNative(module, config.db, config.journal, ownPath);
  try {
    await whileOpening?.();
  } catch (err) {
    opened.file.close();
    throw err;
  }
  return opened;
}

async function openWasmIndex(config: Omit<IndexOptions, 'engine' | 'command'>, ownPath: boolean, whileOpening?: () => Promise<void>): Promise<OpenedIndex> {
  // sql.js first, before other work keeps the main thread busy (it needs a few turns of
  // the event loop: ~15 ms alone, ~95 ms during the folder walk), and before the index's
  // buffer: under an address-space limit (ulimit -v) its memory must be reserved first.
  const { loadSql, openWasm, startReadingWasm } = await wasmEngine();
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
  if (chosen.name === 'native') return openNative(chosen.module, file, journalRoot);
  const { openWasm, startReadingWasm } = await wasmEngine();
  return openWasm(file, journalRoot, startReadingWasm(file));
}
