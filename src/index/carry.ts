/**
 * The user's own tables, views, indexes and triggers, carried from an index that has to be
 * rebuilt (damaged, or of a schema version inkdex cannot upgrade) into the new one (SPEC §3):
 * read while the old file is still open, made again once the new schema is there. What
 * cannot be read or made again is named, for the log. So is the one table of inkdex's
 * that the folder cannot give back: daily_stats, the journal's history.
 */
import { errorMessage as message } from '../core/errors.js';
import { namesAddedSince } from './migrations.js';
import { SCHEMA_SQL } from './schema.js';
import type { Connection, SqlParam } from './sql-connection.js';

/** Every object inkdex makes, of this version and the ones before (an index dropped in version 2). */
const INKDEX_NAMES = new Set([...SCHEMA_SQL.matchAll(/CREATE (?:VIRTUAL )?(?:TABLE|INDEX) (?:IF NOT EXISTS )?(\w+)/g)].map((m) => m[1]!).concat(['links_target']));

/** inkdex's own in an index of `version`, or SQLite's: never carried. */
function isInkdex(name: string, newer: Set<string>): boolean {
  if (newer.has(name)) return false; // the user's, in an index from before inkdex had one of that name
  return INKDEX_NAMES.has(name) || name.startsWith('sqlite_') || name.startsWith('inkdex_') || name.startsWith('entries_fts');
}

interface SchemaObject {
  type: 'table' | 'index' | 'view' | 'trigger';
  name: string;
  sql: string;
}

export interface UserObjects {
  /** Tables with their rows (column names, then values), in the order they were made. */
  tables: Array<{ name: string; sql: string; columns: string[]; rows: SqlParam[][] }>;
  /** Indexes, views and triggers, made after the tables. */
  others: SchemaObject[];
  /** The rows of daily_stats (in its columns' order), when it could be read. */
  days: SqlParam[][];
  /** What could not be read, in words. */
  lost: string[];
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The user's objects in `old` (an index about to be replaced), with the rows of their tables.
 * @param version the index's schema version, when known
 */
export function readUserObjects(old: Connection, version: string | null): UserObjects {
  const found: UserObjects = { tables: [], others: [], days: [], lost: [] };
  const newer = namesAddedSince(version);
  let objects: SchemaObject[];
  try {
    objects = old.all<SchemaObject>("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid");
  } catch (err) {
    found.lost.push(`the list of its tables (${message(err)})`);
    return found;
  }
  // A virtual table's shadow tables (`x_content`, `x_segments`, …) come back with it.
  const virtual = objects.filter((o) => o.type === 'table' && /^CREATE\s+VIRTUAL/i.test(o.sql)).map((o) => `${o.name}_`);
  for (const o of objects) {
    if (isInkdex(o.name, newer)) continue;
    if (o.type !== 'table') {
      found.others.push(o);
      continue;
    }
    if (virtual.some((prefix) => o.name.startsWith(prefix))) continue;
    try {
      const rows = old.all<Record<string, SqlParam>>(`SELECT * FROM ${quote(o.name)}`);
      const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
      found.tables.push({ name: o.name, sql: o.sql, columns, rows: rows.map((r) => columns.map((c) => r[c] ?? null)) });
    } catch (err) {
      found.lost.push(`table ${o.name} (${message(err)})`);
    }
  }
  if (objects.some((o) => o.type === 'table' && o.name === 'daily_stats')) {
    try {
      found.days = old.all<Record<string, SqlParam>>(`SELECT ${DAY_COLUMNS} FROM daily_stats`).map((r) => DAY_COLUMNS.split(', ').map((c) => r[c] ?? null));
    } catch (err) {
      found.lost.push(`the daily_stats history (${message(err)})`);
    }
  }
  return found;
}

/** daily_stats' columns, as SPEC §3 has them (a newer version's extra columns are left). */
const DAY_COLUMNS = 'day, entries, words, added, updated, moved, removed, words_added, words_removed';

/**
 * Makes the objects again in `db` (a new index, its schema written), in one transaction.
 * Returns the names carried and what could not be made again.
 */
export function restoreUserObjects(db: Connection, objects: UserObjects): { carried: string[]; lost: string[] } {
  const carried: string[] = [];
  const lost = [...objects.lost];
  db.begin();
  try {
    for (const t of objects.tables) {
      const one = `(${t.columns.map(() => '?').join(', ')})`;
      const insert = `INSERT INTO ${quote(t.name)}(${t.columns.map(quote).join(', ')}) VALUES ${one}`;
      attempt(db, `table ${t.name}`, carried, lost, t.name, () => {
        db.exec(t.sql);
        for (const row of t.rows) db.run(insert, row);
      });
    }
    if (objects.days.length > 0) {
      attempt(db, 'the daily_stats history', carried, lost, `daily_stats (${objects.days.length} days)`, () => {
        for (const row of objects.days) db.run(`INSERT OR REPLACE INTO daily_stats(${DAY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, row);
      });
    }
    // Indexes and views before triggers, so that no trigger fires on the rows carried.
    for (const type of ['index', 'view', 'trigger']) {
      for (const o of objects.others.filter((x) => x.type === type)) attempt(db, `${o.type} ${o.name}`, carried, lost, o.name, () => db.exec(o.sql));
    }
    db.commit();
  } catch (err) {
    db.rollback();
    throw err;
  }
  return { carried, lost };
}

/** One object, all or nothing (a savepoint): a table whose rows fail half-way is not left half-filled. */
function attempt(db: Connection, what: string, carried: string[], lost: string[], name: string, make: () => void): void {
  db.exec('SAVEPOINT carry');
  try {
    make();
    db.exec('RELEASE carry');
    carried.push(name);
  } catch (err) {
    db.exec('ROLLBACK TO carry');
    db.exec('RELEASE carry');
    lost.push(`${what} (${message(err)})`);
  }
}

/** One line for the log, or null when there was nothing of the user's. */
export function carriedLine(result: { carried: string[]; lost: string[] }): string | null {
  if (result.carried.length === 0 && result.lost.length === 0) return null;
  const parts: string[] = [];
  const own = result.carried.filter((name) => !name.startsWith('daily_stats ('));
  const history = result.carried.find((name) => name.startsWith('daily_stats ('));
  if (own.length > 0) parts.push(`kept your own tables and views in the new index: ${own.join(', ')}`);
  if (history) parts.push(`kept the history in ${history}`);
  if (result.lost.length > 0) parts.push(`could not keep: ${result.lost.join('; ')}`);
  return parts.join('; ');
}
