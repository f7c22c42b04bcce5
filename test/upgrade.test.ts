/**
 * Upgrades keep the user's data (SPEC §3, issue 17 part 2): an index written by inkdex at
 * schema version 3 (test/fixtures/v3-index, made by make.sh with the code of commit
 * 057b69f, a user's own table, index and view added) is upgraded in place by today's
 * inkdex — same entry ids, the user's objects intact, no invented events, and the new
 * tables as a fresh index of the same notes has them — with either engine. An index that
 * cannot be upgraded (a version inkdex does not know) is rebuilt, and the user's objects
 * that can be read are carried into the new one, as the log says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, execSql, parseJsonLine, query, REPO_ROOT, runCli, scalar, tmpDir, type SyncSummary } from './helpers.js';

afterEach(() => cleanup.run());

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'v3-index');

/** A copy of the fixture's journal and of its v3 index, in a temp folder. */
function copyFixture(): { journal: string; db: string } {
  const dir = tmpDir('inkdex-upgrade-');
  const journal = path.join(dir, 'journal');
  fs.cpSync(path.join(FIXTURE, 'journal'), journal, { recursive: true });
  const db = path.join(dir, 'index.sqlite');
  fs.copyFileSync(path.join(FIXTURE, 'index.sqlite'), db);
  return { journal, db };
}

const ids = (db: string): Array<{ id: number; path: string }> => query(db, 'SELECT id, path FROM entries ORDER BY path');
const userRows = (db: string): unknown => ({
  ratings: query(db, 'SELECT * FROM my_ratings ORDER BY entry_id'),
  view: query(db, 'SELECT * FROM my_rated ORDER BY path'),
  index: query(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'my_ratings_stars'"),
});

/** Every derived row of the notes, by path (ids differ between two indexes of the same notes). */
function derived(db: string): unknown {
  const by = (sql: string): unknown => query(db, sql);
  return {
    tags: by('SELECT e.path, t.tag FROM tags t JOIN entries e ON e.id = t.entry_id ORDER BY 1, 2'),
    links: by(`SELECT e.path, l.target, l.kind, l.anchor, l.anchor_ok, l.line, t.path AS target_path
               FROM links l JOIN entries e ON e.id = l.entry_id LEFT JOIN entries t ON t.id = l.target_id ORDER BY 1, l.line, l.rowid`),
    tasks: by('SELECT e.path, t.line, t.text, t.done, t.due, t.scheduled, t.done_date, t.priority FROM tasks t JOIN entries e ON e.id = t.entry_id ORDER BY 1, 2'),
    headings: by('SELECT e.path, h.level, h.text, h.line FROM headings h JOIN entries e ON e.id = h.entry_id ORDER BY 1, h.line'),
    blocks: by('SELECT e.path, b.block_id, b.line FROM blocks b JOIN entries e ON e.id = b.entry_id ORDER BY 1, b.line'),
    aliases: by('SELECT e.path, a.alias FROM aliases a JOIN entries e ON e.id = a.entry_id ORDER BY 1, a.rowid'),
    fields: by('SELECT e.path, f.key, f.value, f.type, f.num, f.source, f.line FROM fields f JOIN entries e ON e.id = f.entry_id ORDER BY 1, f.rowid'),
  };
}

/** The columns of inkdex's tables (an upgraded index must look like a new one). */
function columns(db: string): unknown {
  const tables = query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'my_%' AND name NOT LIKE 'entries_fts%' ORDER BY name").map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, query(db, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info('${t}') ORDER BY cid`)]));
}

/** Today's local date, as inkdex (a child with the same time zone) names its days. */
function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A new index of `journal`, made by today's inkdex. */
async function freshIndex(journal: string, engine: string): Promise<string> {
  const fresh = path.join(tmpDir('inkdex-fresh-'), 'index.sqlite');
  await sync(journal, fresh, engine);
  return fresh;
}

async function sync(journal: string, db: string, engine: string): Promise<{ summary: SyncSummary; stderr: string }> {
  const res = await runCli(['sync', journal, '--db', db, '--json', '--engine', engine], { timeoutMs: 60_000 });
  expect(res.code, res.stderr).toBe(0);
  return { summary: parseJsonLine<SyncSummary>(res.stdout), stderr: res.stderr };
}

describe.each(['native', 'wasm'])('an index of schema version 3, %s engine', (engine) => {
  it('is upgraded in place: same ids, the user’s table, index and view kept, no event, new rows as a fresh index has them', { timeout: 120_000 }, async () => {
    const { journal, db } = copyFixture();
    expect(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe('3');
    const idsBefore = ids(db);
    // Made in three runs (make.sh): not the path order a rebuild would number them in.
    expect(idsBefore.map((e) => e.id)).not.toEqual([...idsBefore.map((e) => e.id)].sort((a, b) => a - b));
    const userBefore = userRows(db);
    const eventsBefore = scalar<number>(db, 'SELECT count(*) FROM entry_events');

    const { summary, stderr } = await sync(journal, db, engine);
    expect(stderr).toContain(`upgraded the index ${db} in place from schema version 3 to 5`);
    expect(stderr).not.toContain('rebuilding');
    expect(summary).toMatchObject({ status: 'succeeded', added: 0, updated: 0, moved: 0, removed: 0, unchanged: 4, errors: 0 });

    expect(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe('5');
    expect(ids(db)).toEqual(idsBefore);
    // daily_stats starts with the upgrade: no invented history, today's run and nothing else.
    expect(query(db, 'SELECT * FROM daily_stats')).toEqual([
      { day: today(), entries: 4, words: scalar<number>(db, 'SELECT sum(word_count) FROM entries'), added: 0, updated: 0, moved: 0, removed: 0, words_added: 0, words_removed: 0 },
    ]);
    expect(scalar(db, "SELECT value FROM meta WHERE key = 'stats_since'")).toBe(today());
    expect(userRows(db)).toEqual(userBefore);
    // A re-read of unchanged notes is no content change.
    expect(scalar(db, 'SELECT count(*) FROM entry_events')).toBe(eventsBefore);
    expect(scalar(db, 'SELECT count(*) FROM inkdex_stale')).toBe(0);

    // The same rows, and the same columns, as a new index of the same notes.
    const fresh = path.join(tmpDir('inkdex-fresh-'), 'index.sqlite');
    await sync(journal, fresh, engine);
    expect(derived(db)).toEqual(derived(fresh));
    expect(columns(db)).toEqual(columns(fresh));
    expect(query(db, "SELECT alias FROM aliases a JOIN entries e ON e.id = a.entry_id WHERE e.path = 'people/Ann Lee.md'")).toEqual([{ alias: 'Annie' }, { alias: 'A. Lee' }]);
    expect(query(db, "SELECT anchor, anchor_ok FROM links WHERE anchor IS NOT NULL ORDER BY anchor")).toEqual([
      { anchor: 'Nowhere', anchor_ok: 0 },
      { anchor: 'Work', anchor_ok: 1 },
      { anchor: '^sea', anchor_ok: 1 },
    ]);

    // A second run has nothing left to do.
    const again = await sync(journal, db, engine);
    expect(again.stderr).not.toContain('upgraded');
    expect(again.summary).toMatchObject({ added: 0, updated: 0, unchanged: 4 });
  });
});

describe.each(['native', 'wasm'])('an index of schema version 4 (before daily_stats), %s engine', (engine) => {
  it('is upgraded in place: same ids, the user’s table kept, and only what happens after the upgrade counted', { timeout: 120_000 }, async () => {
    // Today's index less what version 5 added is what inkdex at version 4 wrote.
    const { journal, db } = copyFixture();
    await sync(journal, db, engine);
    execSql(
      db,
      "DROP TABLE daily_stats; DROP INDEX entries_words; DELETE FROM meta WHERE key = 'stats_since'; UPDATE meta SET value = '4' WHERE key = 'schema_version';",
    );
    const idsBefore = ids(db);
    const userBefore = userRows(db);

    fs.writeFileSync(path.join(journal, 'new note.md'), 'five words written after upgrading\n');
    const { summary, stderr } = await sync(journal, db, engine);
    expect(stderr).toContain(`upgraded the index ${db} in place from schema version 4 to 5`);
    expect(summary).toMatchObject({ status: 'succeeded', added: 1, updated: 0, removed: 0 });
    expect(ids(db).filter((e) => e.path !== 'new note.md')).toEqual(idsBefore);
    expect(userRows(db)).toEqual(userBefore);
    // The new note's words count: the index is not new, its notes were counted when written.
    expect(query(db, 'SELECT day, entries, added, words_added, words_removed FROM daily_stats')).toEqual([
      { day: today(), entries: 5, added: 1, words_added: 5, words_removed: 0 },
    ]);
    expect(columns(db)).toEqual(columns(await freshIndex(journal, engine)));
  });
});

describe('a reader of an index not upgraded yet', () => {
  it('says to run sync to upgrade it, and never writes it', { timeout: 60_000 }, async () => {
    const { db } = copyFixture();
    const before = fs.readFileSync(db);
    const res = await runCli(['search', 'ann', '--db', db]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('has schema_version 3, this inkdex reads 5: run `inkdex sync` (or start `inkdex serve`) to upgrade it in place');
    expect(fs.readFileSync(db).equals(before)).toBe(true);
  });
});

describe('an index that cannot be upgraded', () => {
  it.each(['native', 'wasm'])('is rebuilt, carrying the user’s own table, index and view (%s)', { timeout: 120_000 }, async (engine) => {
    const { journal, db } = copyFixture();
    execSql(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    const userBefore = userRows(db);
    const { stderr } = await sync(journal, db, engine);
    expect(stderr).toContain('rebuilding the index');
    expect(stderr).toContain('its schema_version is 99');
    expect(stderr).toMatch(/kept your own tables and views in the new index: my_ratings, my_ratings_stars, my_rated \(entry ids are new\)/);
    expect(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe('5');
    expect(userRows(db)).toMatchObject({ ratings: (userBefore as { ratings: unknown }).ratings, index: [{ name: 'my_ratings_stars' }] });
    expect(scalar(db, 'SELECT count(*) FROM entries')).toBe(4);
  });

  it.each(['native', 'wasm'])('is rebuilt keeping the daily_stats history, which the folder cannot give back (%s)', { timeout: 120_000 }, async (engine) => {
    const { journal, db } = copyFixture();
    await sync(journal, db, engine); // at 5 now, with today's row
    // Two earlier days of history, as inkdex would have written them.
    execSql(
      db,
      `INSERT INTO daily_stats VALUES ('2024-03-07', 3, 40, 3, 0, 0, 0, 0, 0), ('2024-03-08', 4, 52, 1, 1, 0, 0, 12, 0);
       UPDATE meta SET value = '99' WHERE key = 'schema_version';`,
    );
    const history = query(db, "SELECT * FROM daily_stats WHERE day < '2024-03-09' ORDER BY day");
    const { stderr } = await sync(journal, db, engine);
    expect(stderr).toContain('its schema_version is 99');
    expect(stderr).toContain('kept the history in daily_stats (3 days)');
    expect(query(db, "SELECT * FROM daily_stats WHERE day < '2024-03-09' ORDER BY day")).toEqual(history);
    // The new index's first sync adds its notes to today's row, not their words (they were written before).
    const [todays] = query<{ day: string; added: number; words_added: number }>(db, 'SELECT day, added, words_added FROM daily_stats WHERE day = ?', [today()]);
    expect(todays).toEqual({ day: today(), added: 4, words_added: 0 });
  });

  it('says which of the user’s objects it could not keep (a table named like a new one of inkdex’s)', { timeout: 120_000 }, async () => {
    const { journal, db } = copyFixture();
    execSql(db, 'CREATE TABLE fields (mine TEXT); INSERT INTO fields VALUES (\'x\');');
    const { stderr } = await sync(journal, db, 'native');
    expect(stderr).toContain('it could not be upgraded from schema version 3');
    expect(stderr).toMatch(/could not keep: table fields \(/);
    expect(stderr).toContain('my_ratings');
    expect(query(db, 'SELECT count(*) AS n FROM my_ratings')).toEqual([{ n: 4 }]);
  });
});

describe('an index whose first build was killed before its end', () => {
  it.each(['native', 'wasm'])('gets back the indexes that build had left out (%s)', { timeout: 60_000 }, async (engine) => {
    const { journal, db } = copyFixture();
    await sync(journal, db, engine);
    // What a CLI first build killed half-way leaves: its child indexes not made yet.
    execSql(db, 'DROP INDEX fields_key; DROP INDEX links_target_id; DROP INDEX tags_tag;');
    await sync(journal, db, engine);
    const names = query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'index'").map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['fields_key', 'links_target_id', 'tags_tag']));
  });
});
