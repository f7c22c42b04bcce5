/**
 * The native engine: the index file opened in place with real SQLite in WAL mode. Each
 * batch is one transaction; a reader with an open connection sees each commit; a crash
 * leaves the last commit. Opening checks the file is inkdex's and sound, else rebuilds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ForeignFileError, foreignFile, inspectIndexFile, otherSchema, removeIndexFiles } from './index-file-check.js';
import { fateOf, identityOf, IndexFileMovedError, sameFile, type FileIdentity } from './file-identity.js';
import type { FileFate, IndexFile, IndexFileStatus, IndexReader, OpenedIndex, Recovery } from '../core/seam.js';
import { NativeDatabase, type loadNative } from './native-database.js';
import { Queries } from './queries.js';
import { APPLICATION_ID, ensureChildIndexes, NATIVE_PAGE_SIZE, OWNERSHIP_PROBE_SQL, SCHEMA_VERSION, VERSION_SQL, writeSchema } from './schema.js';
import { FTS_MISSING_AFTER, SqlSyncStore } from './store.js';
import { readUserObjects, restoreUserObjects, type UserObjects } from './carry.js';
import { bringUpToDate, upgradeSteps } from './migrations.js';
import { errorMessage } from '../core/errors.js';

type NativeModule = Extract<ReturnType<typeof loadNative>, { ok: true }>;

/**
 * Checkpoint policy, chosen by bytes written per one-note edit (docs/benchmarks.md):
 * SQLite's automatic PASSIVE checkpoint once the log holds ~4 MB of pages, so pages that
 * many edits touch (the run log's tail, FTS segment roots) reach the file once rather
 * than once per edit; a TRUNCATE checkpoint when the index has been quiet for a while
 * and at a clean exit, so the log stays small and the .sqlite file alone is complete.
 */
const AUTOCHECKPOINT_PAGES = 1000;
/** After a checkpoint the log file is cut back to this (it is reused rather than regrown). */
const JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024;
/**
 * synchronous=NORMAL: in WAL mode a commit is not fsynced, only a checkpoint is. A process
 * crash loses nothing; a power cut may lose the last commits but never corrupts the file,
 * and the next sync reads the folder again anyway (the index is derived).
 */
const SYNCHRONOUS = 'NORMAL';
/** Page cache per connection (KiB): enough for a bulk build's hot pages, small for serve. */
const CACHE_KIB = 8192;
/**
 * meta key: '1' while a process has the index open, '0' once it closed it cleanly. Found
 * at '1' on opening, the last process died mid-way: the whole file is checked then
 * (quick_check, ~0.3 s at 10k notes — too slow for every start).
 */
const OPEN_MARK = 'open';

/**
 * @param ownPath the file is the default one in the journal's `.inkdex` folder (see inspectIndexFile)
 * @param fresh start a new index whatever the file holds (it is known to be inkdex's and damaged)
 * @param sound the file is known to be whole (inkdex just wrote it): no full check even if it says it was open
 */
export function openNative(native: NativeModule, file: string, journalRoot: string, ownPath = false, fresh: string | null = null, sound = false): OpenedIndex {
  const verdict = fresh !== null ? { kind: 'damaged' as const, why: fresh } : inspectIndexFile(file, ownPath);
  if (verdict.kind === 'foreign') throw foreignFile(file, verdict.why);
  let rebuiltBecause: string | null = verdict.kind === 'damaged' ? verdict.why : null;
  let upgradedFrom: string | null = null;
  let treatAsInkdex = verdict.kind === 'inkdex';
  if (verdict.kind === 'unmarked-sqlite') {
    const version = readUnmarkedVersion(native, file);
    if (version === null) throw foreignFile(file, "it is another program's SQLite database");
    // The current version without the mark: a new index whose header had not reached the
    // file when its process died (the mark is in the log until the first checkpoint); or
    // an older one, to upgrade.
    if (version === SCHEMA_VERSION || upgradeSteps(version) !== null) treatAsInkdex = true;
    else rebuiltBecause = otherSchema(version);
  }
  let db: NativeDatabase | null = null;
  let userObjects: UserObjects | null = null;
  if (treatAsInkdex) {
    db = NativeDatabase.open(native.Database, file);
    const state = damage(db, sound) ?? bringUpToDate(db);
    if ('rebuild' in state) {
      userObjects = readUserObjects(db, state.version);
      db.close();
      db = null;
      rebuiltBecause = state.rebuild;
    } else {
      upgradedFrom = state.upgradedFrom;
    }
  } else if (rebuiltBecause !== null) {
    userObjects = userObjectsIn(native, file);
  }
  let carried: OpenedIndex['carried'] = null;
  if (db === null) {
    removeIndexFiles(file);
    db = NativeDatabase.open(native.Database, file);
    create(db);
    if (userObjects) carried = restoreUserObjects(db, userObjects);
  }
  configure(db);
  ensureChildIndexes(db);
  const store = new SqlSyncStore(db);
  // What the path holds now is the file this connection writes (checked on every write from here on).
  const indexFile = new NativeIndexFile(db, file, () => store.setMeta(OPEN_MARK, '0'));
  store.setMeta('journal_root', journalRoot);
  store.setMeta(OPEN_MARK, '1');
  indexFile.noteSidecars();
  return { store, reader: new Queries(db), file: indexFile, rebuiltBecause, upgradedFrom, carried };
}

/**
 * A read-only connection to the index another connection writes (in WAL mode a reader
 * never waits for the writer, and sees each commit on its next query): the API's reads,
 * in the thread that answers them, while the writer runs on its own.
 */
export function openNativeReader(native: NativeModule, file: string): { reader: IndexReader; close(): void } {
  const db = NativeDatabase.openReadOnly(native.Database, file);
  // Searches sort by rank in memory: a little more cache than SQLite's 2 MB default.
  db.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
  return { reader: new Queries(db), close: () => db.close() };
}

/**
 * The path no longer holds the file `current` writes (SPEC §3): put a complete index back
 * when it was deleted (written from the open connection, which still reads the deleted
 * file), adopt an inkdex index that replaced it (opened as at start: rebuilt when damaged
 * or of another schema), and leave anything else alone — then `current` stays open (not
 * writing) so that the index can still be written back once that file is gone.
 * @returns the recovery, and the index to use from now on (null: keep `current`)
 */
export function recoverNative(native: NativeModule, current: OpenedIndex, journalRoot: string, ownPath: boolean): { recovery: Recovery; next: OpenedIndex | null } {
  const file = current.file as NativeIndexFile;
  const fate = file.fate();
  if (fate === 'same') return { recovery: { outcome: 'same' }, next: null };
  file.letGo();
  if (fate === 'gone') {
    if (!file.writeBack()) return recoverNative(native, current, journalRoot, ownPath); // something appeared meanwhile
    const next = openNative(native, file.path, journalRoot, ownPath, null, true);
    file.closeMoved();
    return { recovery: { outcome: 'restored' }, next };
  }
  let next: OpenedIndex;
  try {
    // Strictly, even at the default path: something put there on purpose is never taken
    // for a wrecked index of ours unless it is an inkdex index.
    const verdict = inspectIndexFile(file.path, false);
    if (verdict.kind === 'foreign') return { recovery: { outcome: 'foreign', why: verdict.why }, next: null };
    if (verdict.kind === 'absent' && file.fate() === 'gone') return recoverNative(native, current, journalRoot, ownPath); // gone meanwhile
    next = openNative(native, file.path, journalRoot, false); // an empty file becomes a new index
  } catch (err) {
    if (err instanceof ForeignFileError) return { recovery: { outcome: 'foreign', why: err.message }, next: null };
    throw err;
  }
  file.closeMoved();
  return { recovery: next.rebuiltBecause ? { outcome: 'rebuilt', why: next.rebuiltBecause } : { outcome: 'adopted' }, next };
}

/** The user's objects in an inkdex file about to be rebuilt without being opened as an index (damaged, unknown version); null when it cannot be read at all. */
function userObjectsIn(native: NativeModule, file: string): UserObjects | null {
  try {
    const db = NativeDatabase.open(native.Database, file);
    try {
      return readUserObjects(db, null);
    } finally {
      db.close();
    }
  } catch (err) {
    return { tables: [], others: [], days: [], lost: [`anything of the old file (${errorMessage(err)})`] };
  }
}

/**
 * The schema_version of an inkdex index without inkdex's mark (see OWNERSHIP_PROBE_SQL),
 * or null when it is somebody else's database. Leaves no -wal/-shm of its own behind.
 */
function readUnmarkedVersion(native: NativeModule, file: string): string | null {
  const sidecars = [`${file}-wal`, `${file}-shm`].filter((p) => !fs.existsSync(p));
  try {
    const db = new native.Database(file, { readonly: true, fileMustExist: true });
    try {
      const probe = db.prepare(OWNERSHIP_PROBE_SQL).get() as { inkdex: number };
      if (probe.inkdex !== 1) return null;
      const row = db.prepare(VERSION_SQL).get() as { version: string } | undefined;
      return row ? String(row.version) : null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  } finally {
    for (const p of sidecars) fs.rmSync(p, { force: true });
  }
}

/** Why an inkdex index is damaged, or null (then its version is looked at: bringUpToDate). */
function damage(db: NativeDatabase, sound: boolean): { rebuild: string; version: null } | null {
  try {
    // Damage in pages the header does not describe shows only on reading them: after a
    // process died with the index open, check them all.
    const mark = db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [OPEN_MARK]);
    if (mark?.value === '1' && !sound) {
      // A first build killed before its full-text rows were made leaves them missing, on
      // purpose and recorded (see SqlSyncStore.prepareBulk): the next run makes them, and
      // SQLite's check of the FTS index (3.44+) is not damage then.
      const ftsPending = db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [FTS_MISSING_AFTER]) !== undefined;
      const problems = db
        .all<{ quick_check: string }>(`PRAGMA quick_check(${ftsPending ? 100 : 1})`)
        .map((r) => r.quick_check)
        .filter((m) => m !== 'ok' && !(ftsPending && m.includes('entries_fts')));
      if (problems.length > 0) return { rebuild: `it is damaged (${problems[0]})`, version: null };
    }
    return null;
  } catch (err) {
    return { rebuild: `it cannot be read (${errorMessage(err)})`, version: null };
  }
}

function create(db: NativeDatabase): void {
  // page_size must be set before the first table exists, and before WAL mode.
  db.exec(`PRAGMA page_size = ${NATIVE_PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  db.begin();
  writeSchema(db);
  db.commit();
  // Put the header (with inkdex's mark) and the schema in the file itself now: a process
  // killed before its first checkpoint must leave a file that is recognisably inkdex's.
  db.pragma('wal_checkpoint(TRUNCATE)');
}

function configure(db: NativeDatabase): void {
  const mode = db.pragma('journal_mode = WAL');
  if (String(mode).toLowerCase() !== 'wal') throw new Error(`cannot switch the index to WAL mode (journal_mode is ${String(mode)})`);
  db.exec(
    `PRAGMA synchronous = ${SYNCHRONOUS}; PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}; ` +
      `PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT}; PRAGMA cache_size = -${CACHE_KIB}; PRAGMA foreign_keys = OFF`,
  );
}

function fileBytes(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

class NativeIndexFile implements IndexFile {
  readonly engine = 'native' as const;
  private lastWriteAt: string | null = null;
  private error: string | null = null;
  private closed = false;
  /** The file this connection writes (recorded at opening: the path named it then). */
  private readonly identity: FileIdentity | null;
  /** Its -wal and -shm files: SQLite finds them by path, so they must never be left beside another file. */
  private sidecars: Array<{ path: string; identity: FileIdentity }> = [];

  constructor(
    private readonly db: NativeDatabase,
    readonly path: string,
    private readonly markClosed: () => void,
  ) {
    this.identity = identityOf(path);
    db.guardWrites(() => {
      const fate = this.fate();
      if (fate !== 'same') throw new IndexFileMovedError(this.path, fate);
    });
  }

  /** Records the -wal and -shm files SQLite made beside the file (call after the first write). */
  noteSidecars(): void {
    this.sidecars = [];
    for (const suffix of ['-wal', '-shm']) {
      const identity = identityOf(this.path + suffix);
      if (identity) this.sidecars.push({ path: this.path + suffix, identity });
    }
  }

  fate(): FileFate {
    return fateOf(this.path, this.identity);
  }

  /** Commits are in the file (its write-ahead log) already: note when. */
  persist(): void {
    this.lastWriteAt = new Date().toISOString();
  }

  settle(): void {
    if (this.fate() === 'same') this.checkpoint();
  }

  status(): IndexFileStatus {
    return { path: this.path, engine: 'native', sizeBytes: fileBytes(this.path) + fileBytes(`${this.path}-wal`), lastWriteAt: this.lastWriteAt, error: this.error };
  }

  close(): void {
    if (this.closed) return;
    if (this.fate() !== 'same') return this.closeMoved();
    this.closed = true;
    try {
      this.db.rollback(); // a run stopped mid-transaction (a signal) keeps what it committed
      this.markClosed();
      this.checkpoint();
      // Leave the file in rollback-journal mode: complete on its own, and a reader that
      // opens it while inkdex is not running leaves no -wal/-shm files behind. (Refused,
      // harmlessly, while another connection has it open; the next start sets WAL again.)
      this.db.pragma('journal_mode = DELETE');
    } catch {
      // best effort: the commits are safe in the log either way
    } finally {
      this.db.close();
    }
  }

  /**
   * The file left the path: this connection's -wal and -shm go too, where they are still
   * its own, so that nobody opens the file now at the path with this index's log (SQLite
   * would apply it there). The connection keeps reading through its open descriptors.
   */
  letGo(): void {
    for (const sidecar of this.sidecars) {
      if (sameFile(identityOf(sidecar.path), sidecar.identity)) fs.rmSync(sidecar.path, { force: true });
    }
    this.sidecars = [];
  }

  /**
   * The file was deleted: writes the whole index (as this connection reads it, log
   * included) to a new file and puts it at the path — unless something appeared there
   * meanwhile (then false, nothing is replaced). Never writes the deleted file itself.
   */
  writeBack(): boolean {
    const tmp = path.join(path.dirname(this.path), `.${path.basename(this.path)}.${process.pid}.restore`);
    fs.rmSync(tmp, { force: true });
    try {
      this.db.exec(`VACUUM INTO '${tmp.replace(/'/g, "''")}'`);
      fsyncFile(tmp);
      fs.linkSync(tmp, this.path); // never over a file that appeared meanwhile
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** Closes a connection whose file left the path: SQLite then neither checkpoints into it nor deletes the log. */
  closeMoved(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.rollback();
    } finally {
      this.db.close();
    }
  }

  /** Folds the log into the file and cuts it to nothing; a busy reader only postpones that. */
  private checkpoint(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.error = null;
    } catch (err) {
      const message = errorMessage(err);
      if (!/busy|locked/i.test(message)) this.error = `cannot write the index file ${this.path}: ${message}`;
    }
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
