/**
 * The wasm engine: the index held in memory by sql.js (portable, no native build) and
 * written to its file whole, atomically (temp file, fsync, rename), after each batch. A
 * reader must reopen the file to see a change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadSql, WasmDatabase, type DatabaseFile } from './wasm-database.js';
import { ForeignFileError, foreignFile, inspectIndexFile, otherSchema } from './index-file-check.js';
import type { FileFate, IndexFile, IndexFileStatus, OpenedIndex, Recovery } from '../core/seam.js';
import { fateOf, identityOf, IndexFileMovedError, type FileIdentity } from './file-identity.js';
import { readIndexFile, writeIndexFileAtomic } from './persist.js';
import { Queries } from './queries.js';
import { APPLICATION_ID, ensureChildIndexes, OWNERSHIP_PROBE_SQL, WASM_PAGE_SIZE, writeSchema } from './schema.js';
import { SqlSyncStore } from './store.js';
import { readUserObjects, restoreUserObjects, type UserObjects } from './carry.js';
import { bringUpToDate } from './migrations.js';
import { errorMessage } from '../core/errors.js';

export { loadSql };

/**
 * Starts reading the index file (off the main thread) once it is known to be inkdex's;
 * throws ForeignFileError for anyone else's file. The caller may list the folder meanwhile.
 */
export function startReadingWasm(file: string, ownPath = false): { reading: Promise<DatabaseFile | null>; damaged: string | null; legacy: boolean } {
  const verdict = inspectIndexFile(file, ownPath);
  if (verdict.kind === 'foreign') throw foreignFile(file, verdict.why);
  if (verdict.kind === 'absent' || verdict.kind === 'damaged') return { reading: Promise.resolve(null), damaged: verdict.kind === 'damaged' ? verdict.why : null, legacy: false };
  return { reading: readIndexFile(file), damaged: null, legacy: verdict.kind === 'unmarked-sqlite' };
}

/** Opens the index from the bytes read, or a new empty one when absent or unusable. `image.buffer` is used in place. */
export async function openWasm(
  path: string,
  journalRoot: string,
  read: { reading: Promise<DatabaseFile | null>; damaged: string | null; legacy: boolean },
): Promise<OpenedIndex> {
  const SQL = await loadSql();
  const image = await read.reading;
  let rebuiltBecause = read.damaged;
  let upgradedFrom: string | null = null;
  let userObjects: UserObjects | null = null;
  let db: WasmDatabase | null = null;
  if (image && image.length > 0) {
    try {
      db = new WasmDatabase(SQL, new SQL.Database(image.buffer), image);
      const inkdex = isInkdex(db);
      if (!inkdex && read.legacy) {
        db.close();
        throw foreignFile(path, "it is another program's SQLite database");
      }
      // In memory: an upgrade reaches the file with the next write, whole.
      const state = inkdex ? bringUpToDate(db) : { rebuild: 'its tables are missing', version: null };
      if ('rebuild' in state) {
        rebuiltBecause = state.rebuild;
        userObjects = readUserObjects(db, state.version);
        db.close();
        db = null;
      } else {
        upgradedFrom = state.upgradedFrom;
      }
    } catch (err) {
      if (err instanceof ForeignFileError) throw err;
      rebuiltBecause = `it cannot be read as SQLite (${errorMessage(err)})`;
      db?.close();
      db = null;
    }
  }
  let carried: OpenedIndex['carried'] = null;
  if (db === null) {
    db = new WasmDatabase(SQL, new SQL.Database(), null);
    db.exec(`PRAGMA page_size = ${WASM_PAGE_SIZE}; PRAGMA application_id = ${APPLICATION_ID};`);
    writeSchema(db);
    if (userObjects) carried = restoreUserObjects(db, userObjects);
  }
  const conn = db;
  ensureChildIndexes(conn);
  const store = new SqlSyncStore(conn, (bytes) => conn.reserve(bytes));
  store.setMeta('journal_root', journalRoot);
  return { store, reader: new Queries(conn), file: new WasmIndexFile(conn, path), rebuiltBecause, upgradedFrom, carried };
}

/**
 * The path no longer holds the file `current` last wrote (SPEC §3): deleted, it is written
 * again from memory; replaced by an inkdex index, that one is loaded (rebuilt when
 * damaged or of another schema); replaced by anything else, it is left alone and nothing
 * is written until it is gone.
 * @returns the recovery, and the index to use from now on (null: keep `current`)
 */
export async function recoverWasm(current: OpenedIndex, journalRoot: string): Promise<{ recovery: Recovery; next: OpenedIndex | null }> {
  const fate = current.file.fate();
  if (fate === 'same') return { recovery: { outcome: 'same' }, next: null };
  if (fate === 'gone') {
    current.file.persist();
    return { recovery: { outcome: 'restored' }, next: null };
  }
  let next: OpenedIndex;
  try {
    // Strictly, even at the default path (see recoverNative).
    next = await openWasm(current.file.path, journalRoot, startReadingWasm(current.file.path, false));
  } catch (err) {
    if (err instanceof ForeignFileError) return { recovery: { outcome: 'foreign', why: err.message }, next: null };
    throw err;
  }
  current.file.close();
  return { recovery: next.rebuiltBecause ? { outcome: 'rebuilt', why: next.rebuiltBecause } : { outcome: 'adopted' }, next };
}

/** Whether the database has inkdex's tables (see OWNERSHIP_PROBE_SQL). */
function isInkdex(db: WasmDatabase): boolean {
  return db.get<{ inkdex: number }>(OWNERSHIP_PROBE_SQL)?.inkdex === 1;
}

class WasmIndexFile implements IndexFile {
  readonly engine = 'wasm' as const;
  private lastWriteAt: string | null = null;
  private sizeBytes = 0;
  private closed = false;
  /** The file this index was read from or last wrote; null while there is none. */
  private identity: FileIdentity | null;

  constructor(
    private readonly db: WasmDatabase,
    readonly path: string,
  ) {
    this.identity = identityOf(path);
  }

  fate(): FileFate {
    // Nothing written yet and nothing there: nothing has left the path — unless its
    // folder went too (deleted before the first write): then it is gone, and the recovery
    // makes the folder and its lock again before writing.
    if (this.identity === null && identityOf(this.path) === null) return fs.existsSync(path.dirname(this.path)) ? 'same' : 'gone';
    return fateOf(this.path, this.identity);
  }

  /**
   * Writes the whole database, atomically (outside a transaction: it holds every commit).
   * Over its own file, or where it was deleted; never over a file that replaced it.
   */
  persist(): void {
    if (this.fate() === 'replaced') throw new IndexFileMovedError(this.path, 'replaced');
    const bytes = this.db.snapshot();
    writeIndexFileAtomic(this.path, bytes);
    this.identity = identityOf(this.path);
    this.sizeBytes = bytes.length;
    this.lastWriteAt = new Date().toISOString();
  }

  settle(): void {}

  status(): IndexFileStatus {
    return { path: this.path, engine: 'wasm', sizeBytes: this.sizeBytes, lastWriteAt: this.lastWriteAt, error: null };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
