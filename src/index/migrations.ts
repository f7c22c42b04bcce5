/**
 * Upgrading an index of an older schema version in place, one step per version, so that
 * entry ids and the user's own tables and views stay (SPEC §3). A step changes the schema
 * where SQLite allows it (ALTER TABLE … ADD COLUMN, new tables); rows that only a new
 * parser can give are left to the next run, which reads the entries listed in
 * inkdex_stale again and rewrites their derived rows — without an event, since their
 * files did not change.
 */
import { OBSIDIAN_TABLES_SQL, SCHEMA_VERSION, STALE_TABLE_SQL } from './schema.js';
import type { Connection } from './sql-connection.js';

export interface Migration {
  /** The version this step upgrades from; it leaves the index at `from + 1`. */
  from: string;
  to: string;
  /** Runs inside the caller's transaction. */
  up(db: Connection): void;
}

/** In order, one step per version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    // Obsidian's rules (issue 19): anchors and lines of links, task dates, headings,
    // blocks, aliases and fields. Every entry is read again by the next run.
    from: '3',
    to: '4',
    up(db) {
      db.exec(`
        ALTER TABLE links ADD COLUMN anchor TEXT;
        ALTER TABLE links ADD COLUMN anchor_ok INTEGER;
        ALTER TABLE links ADD COLUMN line INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tasks ADD COLUMN due TEXT;
        ALTER TABLE tasks ADD COLUMN scheduled TEXT;
        ALTER TABLE tasks ADD COLUMN done_date TEXT;
        ALTER TABLE tasks ADD COLUMN priority TEXT;
        CREATE INDEX tasks_due ON tasks(due);
        ${OBSIDIAN_TABLES_SQL}
        ${STALE_TABLE_SQL}
        INSERT INTO inkdex_stale(entry_id) SELECT id FROM entries;
      `);
    },
  },
];

/** The steps from `version` to today's, or null when there is no way (unknown, newer, damaged). */
export function upgradeSteps(version: string | null): Migration[] | null {
  const steps: Migration[] = [];
  let at = version;
  while (at !== SCHEMA_VERSION) {
    const step = MIGRATIONS.find((m) => m.from === at);
    if (!step) return null;
    steps.push(step);
    at = step.to;
  }
  return steps;
}

/**
 * Runs the steps and records the new version, in one transaction: an upgrade that fails
 * half-way leaves the index as it was. Throws what SQLite threw (e.g. the user has a table
 * of the name a new version needs): the caller rebuilds then.
 */
export function upgrade(db: Connection, steps: readonly Migration[]): void {
  db.begin();
  try {
    for (const step of steps) step.up(db);
    db.run("UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION]);
    db.commit();
  } catch (err) {
    db.rollback();
    throw err;
  }
}
