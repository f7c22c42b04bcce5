/**
 * The wasm engine's connection: a sql.js database held in a buffer of ours. sql.js keeps a
 * view of a buffer handed to it as the database file instead of copying it, so the file
 * can be grown ahead of a bulk build and written to disk straight from memory after a
 * commit, with direct I/O as the buffer is page-aligned (see allocDatabaseBuffer and
 * docs/benchmarks.md). Also the statement cache and transactions. The index's own SQL is
 * in store.ts and queries.ts.
 */
import { createRequire } from 'node:module';
import type initSqlJs from 'sql.js';
import type { Database, SqlValue, Statement } from 'sql.js';
import type { Connection, SqlParam } from './sql-connection.js';

export type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
let sqlModule: Promise<SqlJs> | undefined;
/** Loads sql.js (its wasm compiles off the main thread): call early to overlap other work. */
export function loadSql(): Promise<SqlJs> {
  // require(), not import: Node's ESM loader first scans a CommonJS module for its export
  // names, which for sql.js's large glue file cost ~6 ms of every start-up.
  sqlModule ??= (createRequire(import.meta.url)('sql.js') as typeof initSqlJs)();
  return sqlModule;
}

/** A database file image: `length` bytes of data at the start of a (larger) buffer. */
export interface DatabaseFile {
  buffer: Buffer;
  length: number;
  /** Set once the database outgrew the buffer (sql.js then moved it elsewhere). */
  grownPast?: boolean;
}

/**
 * A buffer for `bytes` of database with room to grow by a quarter (pages untouched until
 * used). It starts on a memory-page boundary, so the index file can be written from it
 * with direct I/O (see persist.ts): a WebAssembly memory is page-aligned, a Buffer is not.
 */
export function allocDatabaseBuffer(bytes: number): Buffer {
  const size = Math.ceil((bytes * 1.25 + 8 * 1024 * 1024) / WASM_PAGE) * WASM_PAGE;
  if (size / WASM_PAGE <= MAX_WASM_PAGES) {
    try {
      return Buffer.from(new WebAssembly.Memory({ initial: size / WASM_PAGE }).buffer);
    } catch {
      // No address space for it (a ulimit -v): a plain buffer works, written the normal way.
    }
  }
  return Buffer.alloc(size);
}

const WASM_PAGE = 65536;
/** A WebAssembly memory holds at most 4 GiB (2 GiB on some builds): past that, a plain Buffer. */
const MAX_WASM_PAGES = 32768;

export class WasmDatabase implements Connection {
  private readonly statements = new Map<string, Statement>();
  private readonly functions = new Map<string, (...args: never[]) => number | string | null>();

  /**
   * @param file the buffer sql.js uses as the database file, while the database fits in it
   */
  constructor(
    private readonly SQL: SqlJs,
    private db: Database,
    private file: DatabaseFile | null,
  ) {
    configure(db);
  }

  /** sql.js runs SQLite without its defensive mode: nothing to turn off. */
  writingShadowTables<T>(fn: () => T): T {
    return fn();
  }

  defineFunction(name: string, fn: (...args: never[]) => number | string | null): void {
    this.functions.set(name, fn);
    this.db.create_function(name, fn as never);
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    this.freeStatements();
    this.db.close();
  }

  private freeStatements(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
  }

  /**
   * Makes room for `bytes` more: moves the database into a file buffer that big (plus
   * headroom). sql.js's in-memory file otherwise grows 1.125× at a time, copying itself
   * each time (measured 2.3× slower bulk inserts); and a database that fits its buffer
   * can be written to disk straight from it (see `snapshot`). Untouched pages of the
   * buffer cost no memory.
   */
  reserve(bytes: number): void {
    const used = this.usedBytes();
    if (this.file && !this.file.grownPast && used + bytes <= this.file.buffer.length) return;
    this.rehome(this.db.export(), bytes);
  }

  /** Reopens the database from `image`, in a buffer with room for `extra` more bytes. */
  private rehome(image: Uint8Array, extra: number): void {
    const buffer = allocDatabaseBuffer(image.length + extra);
    buffer.set(image);
    this.freeStatements();
    this.db.close();
    this.db = new this.SQL.Database(buffer);
    configure(this.db);
    for (const [name, fn] of this.functions) this.db.create_function(name, fn as never);
    this.file = { buffer, length: image.length };
  }

  /** Bytes of the database proper (page count × page size). */
  usedBytes(): number {
    const rows = this.db.exec('PRAGMA page_count; PRAGMA page_size');
    return Number(rows[0]!.values[0]![0]) * Number(rows[1]!.values[0]![0]);
  }

  /**
   * The complete database file, to be written before the next change. Outside a
   * transaction the in-memory file holds every committed page; when it still lives in our
   * buffer this is a view of it (no copy), else a copy made by export().
   */
  snapshot(): Uint8Array {
    const used = this.usedBytes();
    if (this.file && used > this.file.buffer.length) this.file.grownPast = true;
    if (this.file && !this.file.grownPast) return this.file.buffer.subarray(0, used);
    // Outgrown (or never ours): copy it out once, and keep it in a roomier buffer from now on.
    const image = this.db.export();
    this.rehome(image, image.length / 4);
    return image;
  }

  /** A cached prepared statement. */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  run(sql: string, params: SqlParam[] = []): void {
    const s = this.stmt(sql);
    s.run(params as SqlValue[]);
  }

  /** All rows of a query as objects. */
  all<T>(sql: string, params: SqlParam[] = []): T[] {
    const s = this.stmt(sql);
    s.bind(params as SqlValue[]);
    const rows: T[] = [];
    while (s.step()) rows.push(s.getAsObject() as T);
    s.reset();
    return rows;
  }

  get<T>(sql: string, params: SqlParam[] = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  begin(): void {
    this.db.exec('BEGIN');
  }

  /** The database is this process's alone (in memory). */
  canWrite(): boolean {
    return true;
  }

  commit(): void {
    this.db.exec('COMMIT');
  }

  rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // No transaction open: SQLite already rolled it back after the error.
    }
  }

}

/**
 * Connection settings. The database lives in memory and reaches disk only as a whole
 * snapshot after a commit, so a rollback journal in the in-memory file system buys no
 * safety: keep it in memory (rollback still works).
 */
function configure(db: Database): void {
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;');
}


