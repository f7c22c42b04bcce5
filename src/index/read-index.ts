/**
 * Reading an index that another process may be keeping, without its lock and without
 * ever writing it (SPEC §5: the query verbs and a reading `inkdex mcp`). Native: a
 * read-only SQLite connection, which sees each commit of the writer; wasm: the file's
 * bytes loaded into sql.js, which must be reopened to see a newer file.
 */
import fs from 'node:fs';
import { errorMessage, StartError } from '../core/errors.js';
import type { EngineName, IndexReader } from '../core/seam.js';
import { inspectIndexFile } from './index-file-check.js';
import { loadNative, NativeDatabase } from './native-database.js';
import { Queries } from './queries.js';
import { upgradeSteps } from './migrations.js';
import { OWNERSHIP_PROBE_SQL, SCHEMA_VERSION, VERSION_SQL } from './schema.js';
import type { Connection } from './sql-connection.js';
import { loadSql, WasmDatabase } from './wasm-database.js';

/** There is no index to read (yet): the reader says to run `inkdex sync`. */
export class NoIndexError extends StartError {}

export interface ReadOnlyIndex {
  readonly engine: EngineName;
  readonly reader: IndexReader;
  /**
   * True when what is on disk is no longer what this reader sees: the file was replaced
   * or removed (a rebuild), or — for the wasm engine, which reads a copy — rewritten.
   */
  stale(): boolean;
  close(): void;
}

/**
 * Opens `db` for reading. Throws NoIndexError when there is none, StartError when it is
 * not a usable inkdex index (another program's file, damaged, another schema version).
 * @param engine null: native when it loads here, else wasm (both read the same file)
 */
export async function openForReading(db: string, engine: EngineName | null): Promise<ReadOnlyIndex> {
  const verdict = inspectIndexFile(db);
  const rebuild = 'run `inkdex sync` (or start `inkdex serve`) to rebuild it';
  if (verdict.kind === 'absent') throw new NoIndexError(`no index at ${db}: run \`inkdex sync\` first (or pass --journal DIR or --db FILE)`);
  if (verdict.kind === 'foreign') throw new StartError(`--db ${db} is not an inkdex index (${verdict.why})`);
  if (verdict.kind === 'damaged') throw new StartError(`the index ${db} cannot be read: ${verdict.why}; ${rebuild}`);
  const seen = identity(db);
  const native = engine === 'wasm' ? null : loadNative();
  if (engine === 'native' && native && !native.ok) throw new StartError(`the native engine cannot load here (better-sqlite3: ${native.why}); use --engine wasm`);
  let conn: Connection;
  if (native?.ok) {
    conn = NativeDatabase.openReadOnly(native.Database, db);
  } else {
    const SQL = await loadSql();
    conn = new WasmDatabase(SQL, new SQL.Database(new Uint8Array(fs.readFileSync(db))), null);
  }
  try {
    if (verdict.kind === 'unmarked-sqlite' && conn.get<{ inkdex: number }>(OWNERSHIP_PROBE_SQL)?.inkdex !== 1) {
      throw new StartError(`--db ${db} is not an inkdex index (it is another program's SQLite database)`);
    }
    const version = conn.get<{ version: string }>(VERSION_SQL)?.version ?? null;
    if (version === null) throw new StartError(`--db ${db} is not an inkdex index (it has no schema_version)`);
    if (version !== SCHEMA_VERSION) {
      // An older version is upgraded in place by the process that keeps the index.
      const fix = upgradeSteps(version) !== null ? 'run `inkdex sync` (or start `inkdex serve`) to upgrade it in place' : rebuild;
      throw new StartError(`the index ${db} has schema_version ${version}, this inkdex reads ${SCHEMA_VERSION}: ${fix}`);
    }
  } catch (err) {
    conn.close();
    if (err instanceof StartError) throw err;
    throw new StartError(`the index ${db} cannot be read (${errorMessage(err)}); ${rebuild}`);
  }
  const name: EngineName = native?.ok ? 'native' : 'wasm';
  let closed = false;
  return {
    engine: name,
    reader: new Queries(conn),
    stale() {
      const now = identity(db);
      if (now === null || seen === null) return true;
      if (now.dev !== seen.dev || now.ino !== seen.ino) return true;
      // A native connection sees the writer's commits in place; a wasm copy does not.
      return name === 'wasm' && (now.mtimeMs !== seen.mtimeMs || now.size !== seen.size);
    },
    close() {
      if (closed) return;
      closed = true;
      conn.close();
    },
  };
}

function identity(file: string): { dev: number; ino: number; mtimeMs: number; size: number } | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, size: st.size } : null;
}
