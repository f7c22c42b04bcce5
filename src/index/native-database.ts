/**
 * The native engine's connection: real SQLite through better-sqlite3 (an optional
 * dependency, compiled at install time), on the index file itself in WAL mode. A commit
 * writes only the pages it changed to the write-ahead log; readers in other processes
 * see each commit on their next query.
 */
import { createRequire } from 'node:module';
import type { Connection, SqlParam } from './sql-connection.js';
import { errorMessage } from '../core/errors.js';

/** The part of better-sqlite3's API used here (the package ships no types of its own). */
interface NativeStatement {
  /** True when the statement never writes (sqlite3_stmt_readonly). */
  readonly readonly: boolean;
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
export interface NativeDb {
  prepare(sql: string): NativeStatement;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  function(name: string, options: { deterministic?: boolean; varargs?: boolean }, fn: (...args: never[]) => unknown): void;
  close(): void;
  /** true: SQLite's defensive mode off (and other checks); false: back on. */
  unsafeMode(on: boolean): void;
  readonly inTransaction: boolean;
}
type NativeDbConstructor = new (file: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => NativeDb;

let loaded: { ok: true; Database: NativeDbConstructor } | { ok: false; why: string } | undefined;

/**
 * Loads better-sqlite3 and proves it works (a module built for another Node ABI loads
 * but fails on first use). Never throws: says why when it cannot.
 */
export function loadNative(): { ok: true; Database: NativeDbConstructor } | { ok: false; why: string } {
  if (loaded) return loaded;
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as NativeDbConstructor;
    const probe = new Database(':memory:');
    probe.prepare('SELECT 1').get();
    probe.close();
    loaded = { ok: true, Database };
  } catch (err) {
    const message = errorMessage(err).split('\n')[0]!;
    loaded = { ok: false, why: message };
  }
  return loaded;
}

/**
 * How long a write waits for a lock another connection holds (a user creating a view in
 * the sqlite3 shell, a checkpoint by a reader) before the run fails.
 */
const BUSY_TIMEOUT_MS = 5000;

export class NativeDatabase implements Connection {
  private readonly statements = new Map<string, NativeStatement>();
  /**
   * Checked before every write that could reach the file: each BEGIN and COMMIT, and each
   * writing statement outside a transaction (see file-identity.ts). Throws to refuse it.
   */
  private guard: () => void = () => undefined;

  constructor(readonly db: NativeDb) {}

  static open(Database: NativeDbConstructor, file: string): NativeDatabase {
    return new NativeDatabase(new Database(file, { timeout: BUSY_TIMEOUT_MS }));
  }

  /** A connection that never writes the file (a reader beside the process keeping it). */
  static openReadOnly(Database: NativeDbConstructor, file: string): NativeDatabase {
    return new NativeDatabase(new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS }));
  }

  /** Every write is checked with `check` first (it throws to refuse the write). */
  guardWrites(check: () => void): void {
    this.guard = check;
  }

  private stmt(sql: string): NativeStatement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    // Inside a transaction the COMMIT is checked; outside, the statement commits by itself.
    if (!s.readonly && !this.db.inTransaction) this.guard();
    return s;
  }

  run(sql: string, params: SqlParam[] = []): void {
    this.stmt(sql).run(bind(params));
  }

  all<T>(sql: string, params: SqlParam[] = []): T[] {
    return this.stmt(sql).all(bind(params)) as T[];
  }

  get<T>(sql: string, params: SqlParam[] = []): T | undefined {
    return this.stmt(sql).get(bind(params)) as T | undefined;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  pragma(sql: string): unknown {
    return this.db.pragma(sql, { simple: true });
  }

  // IMMEDIATE: take the write lock at BEGIN, where the busy timeout applies, rather than
  // at the first write, where a reader-turned-writer could fail at once with SQLITE_BUSY.
  begin(): void {
    this.guard();
    this.db.exec('BEGIN IMMEDIATE');
  }

  canWrite(): boolean {
    if (this.db.inTransaction) return true;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
      throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  commit(): void {
    this.guard();
    this.db.exec('COMMIT');
  }

  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  writingShadowTables<T>(fn: () => T): T {
    this.db.unsafeMode(true);
    try {
      return fn();
    } finally {
      this.db.unsafeMode(false);
    }
  }

  defineFunction(name: string, fn: (...args: never[]) => number | string | null): void {
    this.db.function(name, { deterministic: true, varargs: true }, fn);
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
}

/** better-sqlite3 binds a Uint8Array only as a Buffer (a view, not a copy). */
function bind(params: SqlParam[]): unknown[] {
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p instanceof Uint8Array && !Buffer.isBuffer(p)) params[i] = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  }
  return params;
}
