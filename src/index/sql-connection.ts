/**
 * The one thing both engines provide to the index's SQL (store.ts, queries.ts): run a
 * statement, read rows, open and close a transaction. Private to the storage layer: no
 * caller outside it ever sees a Connection.
 */

export type SqlParam = string | number | null | Uint8Array;

export interface Connection {
  run(sql: string, params?: SqlParam[]): void;
  all<T>(sql: string, params?: SqlParam[]): T[];
  get<T>(sql: string, params?: SqlParam[]): T | undefined;
  /** Several statements without parameters (schema, pragmas). */
  exec(sql: string): void;
  begin(): void;
  /** True when a write transaction could start now without waiting for another connection. */
  canWrite(): boolean;
  commit(): void;
  /** Rolls back the open transaction, if any (SQLite may have rolled it back already). */
  rollback(): void;
  /**
   * Runs `fn` with writes to a virtual table's own tables allowed (SQLite refuses them in
   * its defensive mode, which better-sqlite3 turns on): for FTS4 upkeep the FTS4 commands
   * do not offer (see SqlSyncStore.finishBulk).
   */
  writingShadowTables<T>(fn: () => T): T;
  /** Registers a deterministic scalar SQL function. */
  defineFunction(name: string, fn: (...args: never[]) => number | string | null): void;
  close(): void;
}
