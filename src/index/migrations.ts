/**
 * Upgrading an index of an older schema version in place, one step per version, so that
 * entry ids and the user's own tables and views stay (SPEC §3). A step changes the schema
 * where SQLite allows it (ALTER TABLE … ADD COLUMN, new tables); rows that only a new
 * parser can give are left to the next run, which reads the entries listed in
 * inkdex_stale again and rewrites their derived rows — without an event, since their
 * files did not change.
 */
import { errorMessage } from '../core/errors.js';
import { otherSchema } from './index-file-check.js';
import { childIndexesSql, DAILY_STATS_SQL, OBSIDIAN_TABLES_SQL, SCHEMA_VERSION, STALE_TABLE_SQL, STATS_SINCE, VERSION_SQL } from './schema.js';
import type { Connection } from './sql-connection.js';

export interface Migration {
  /** The version this step upgrades from, and the one it leaves the index at. */
  from: string;
  to: string;
  /** The step, run inside the caller's transaction. */
  sql: string;
}

/** In order, one step per version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    // Obsidian's rules (issue 19): anchors and lines of links, task dates, headings,
    // blocks, aliases and fields. Every entry is read again by the next run.
    from: '3',
    to: '4',
    sql: `
      ALTER TABLE links ADD COLUMN anchor TEXT;
      ALTER TABLE links ADD COLUMN anchor_ok INTEGER;
      ALTER TABLE links ADD COLUMN line INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN due TEXT;
      ALTER TABLE tasks ADD COLUMN scheduled TEXT;
      ALTER TABLE tasks ADD COLUMN done_date TEXT;
      ALTER TABLE tasks ADD COLUMN priority TEXT;
      ${OBSIDIAN_TABLES_SQL}
      ${childIndexesSql(['tasks_due', 'headings_entry', 'blocks_entry', 'aliases_entry', 'fields_entry', 'fields_key'])}
      ${STALE_TABLE_SQL}
      INSERT INTO inkdex_stale(entry_id) SELECT id FROM entries;
    `,
  },
  {
    // Daily snapshots of the journal's growth (issue 17): daily_stats starts empty — no
    // history is invented — and words count from the day of the upgrade (stats_since set:
    // the next sync is not a new index's first, whose notes were written before).
    from: '4',
    to: '5',
    sql: `
      ${DAILY_STATS_SQL}
      INSERT OR REPLACE INTO meta(key, value) VALUES ('${STATS_SINCE}', date('now', 'localtime'));
    `,
  },
];

/**
 * The tables and indexes inkdex made only after `version` (an index of that version that
 * has one of these names got it from its user). Empty for today's or an unknown version.
 */
export function namesAddedSince(version: string | null): Set<string> {
  const steps = upgradeSteps(version) ?? [];
  return new Set(steps.flatMap((s) => [...s.sql.matchAll(/CREATE (?:VIRTUAL )?(?:TABLE|INDEX) (?:IF NOT EXISTS )?(\w+)/g)].map((m) => m[1]!)));
}

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
    for (const step of steps) db.exec(step.sql);
    db.run("UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION]);
    db.commit();
  } catch (err) {
    db.rollback();
    throw err;
  }
}

/**
 * Brings an open inkdex index to today's schema: already there, upgraded in place (from
 * the version it had), or why it has to be rebuilt (a version with no way up: unknown,
 * newer, or an upgrade SQLite refused).
 */
export function bringUpToDate(db: Connection): { upgradedFrom: string | null } | { rebuild: string; version: string | null } {
  let version: string | null;
  try {
    version = db.get<{ version: string }>(VERSION_SQL)?.version ?? null;
  } catch (err) {
    return { rebuild: `it cannot be read (${errorMessage(err)})`, version: null };
  }
  if (version === SCHEMA_VERSION) return { upgradedFrom: null };
  const steps = upgradeSteps(version);
  if (steps === null) return { rebuild: otherSchema(version), version };
  try {
    upgrade(db, steps);
    return { upgradedFrom: version };
  } catch (err) {
    return { rebuild: `it could not be upgraded from schema version ${version} (${errorMessage(err)})`, version };
  }
}
