/**
 * The native engine: the index file opened in place with real SQLite in WAL mode. Each
 * batch is one transaction; a reader with an open connection sees each commit; a crash
 * leaves the last commit. Opening checks the file is inkdex's and sound, else rebuilds.
 */
import fs from 'node:fs';
import { foreignFile, inspectIndexFile, otherSchema, removeIndexFiles } from './index-file-check.js';
import type { IndexFile, IndexFileStatus, OpenedIndex } from '../core/seam.js';
import { NativeDatabase, type loadNative } from './native-database.js';
import { Queries } from './queries.js';
import { APPLICATION_ID, ensureChildIndexes, NATIVE_PAGE_SIZE, OWNERSHIP_PROBE_SQL, SCHEMA_VERSION, VERSION_SQL, writeSchema } from './schema.js';
import { SqlSyncStore } from './store.js';
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
 */
export function openNative(native: NativeModule, file: string, journalRoot: string, ownPath = false, fresh: string | null = null): OpenedIndex {
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
    const state = damage(db) ?? bringUpToDate(db);
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
  store.setMeta('journal_root', journalRoot);
  store.setMeta(OPEN_MARK, '1');
  return { store, reader: new Queries(db), file: new NativeIndexFile(db, file, () => store.setMeta(OPEN_MARK, '0')), rebuiltBecause, upgradedFrom, carried };
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
function damage(db: NativeDatabase): { rebuild: string; version: null } | null {
  try {
    // Damage in pages the header does not describe shows only on reading them: after a
    // process died with the index open, check them all.
    const mark = db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [OPEN_MARK]);
    if (mark?.value === '1') {
      const result = db.all<{ quick_check: string }>('PRAGMA quick_check(1)');
      if (result[0]?.quick_check !== 'ok') return { rebuild: `it is damaged (${result[0]?.quick_check ?? 'quick_check failed'})`, version: null };
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

  constructor(
    private readonly db: NativeDatabase,
    readonly path: string,
    private readonly markClosed: () => void,
  ) {}

  /** Commits are in the file (its write-ahead log) already: note when. */
  persist(): void {
    this.lastWriteAt = new Date().toISOString();
  }

  settle(): void {
    this.checkpoint();
  }

  status(): IndexFileStatus {
    return { path: this.path, engine: 'native', sizeBytes: fileBytes(this.path) + fileBytes(`${this.path}-wal`), lastWriteAt: this.lastWriteAt, error: this.error };
  }

  close(): void {
    if (this.closed) return;
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
