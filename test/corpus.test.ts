/**
 * A real, messy journal (../shared/corpora/krycho.tar.gz, 632 files): every markdown file
 * is accounted for, and the files with broken YAML are flagged. Skipped when the corpus is
 * not there.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, parseJsonLine, query, REPO_ROOT, runCli, tmpDir, walkFiles, type CliResult } from './helpers.js';

const KRYCHO = path.resolve(REPO_ROOT, '..', 'shared', 'corpora', 'krycho.tar.gz');

/**
 * The corpus README's "5 files whose YAML does not parse" are the five that libyaml-based
 * parsers (PyYAML, Ruby's Psych) reject. gray-matter's own YAML engine (js-yaml 3) and
 * Eleventy — the site's authoring tool — read all five, and inkdex reads frontmatter as
 * gray-matter does, so all five keep their title, date and tags and none is an error:
 * - `site/index.md` has `summary: {{config.description}}` (a template, a mapping as a key);
 * - three end a `>` folded block with a tab-indented blank line;
 * - "Where DRY Applies" only has a tab *after* a value (`date: …<TAB>`).
 */
const ODD_YAML = [
  'site/index.md',
  'site/journal/2023/Analytics for Sites With Tech-Savvy Audiences.md',
  'site/journal/2023/Where DRY Applies.md',
  'site/journal/2023/Whither Gradual Typing.md',
  'site/journal/2023/Writing and Prestige-Building—A Reply to Will Larson.md',
];
const DRY = 'site/journal/2023/Where DRY Applies.md';

/** SPEC §2's skip rules, written independently of src/ignore.ts. */
function indexable(rel: string): boolean {
  const parts = rel.split('/');
  const name = parts[parts.length - 1]!;
  if (!/\.(md|markdown)$/i.test(name)) return false;
  if (parts.some((p) => p.startsWith('.') || p === 'node_modules')) return false;
  if (/~$|\.sw[px]$|^#.*#$|\.tmp$|^4913$/.test(name)) return false;
  return true;
}

describe.skipIf(!fs.existsSync(KRYCHO))('the krycho corpus', { timeout: 120_000 }, () => {
  let db = '';
  let expected: string[] = [];
  let run: CliResult;

  beforeAll(async () => {
    const dir = tmpDir('inkdex-krycho-');
    const tar = spawnSync('tar', ['-xzf', KRYCHO, '-C', dir], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    const journal = path.join(dir, 'krycho');
    expected = walkFiles(journal)
      .filter(indexable)
      .map((p) => p.normalize('NFC'))
      .sort();
    db = path.join(dir, 'index.sqlite');
    run = await runCli(['sync', journal, '--json', '--db', db], { timeoutMs: 90_000 });
  }, 120_000);

  afterAll(async () => {
    await cleanup.run();
  });

  it('syncs with exit 0 and accounts for every markdown file', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(expected.length).toBeGreaterThan(500);
    const summary = parseJsonLine<{ status: string; scanned: number; added: number; errors: number }>(run.stdout);
    expect(summary).toMatchObject({ status: 'succeeded', scanned: expected.length });

    const entryPaths = query<{ path: string }>(db, 'SELECT path FROM entries').map((e) => e.path);
    const errorPaths = query<{ path: string }>(db, 'SELECT path FROM file_errors').map((e) => e.path);
    expect([...new Set([...entryPaths, ...errorPaths])].sort()).toEqual(expected);
    expect(summary.added).toBe(entryPaths.length);
    // The FTS index (built in bulk for a first sync this size) covers every entry.
    expect(query(db, 'SELECT count(*) AS n FROM entries_fts')[0]).toEqual({ n: entryPaths.length });
    expect(
      query(db, "SELECT e.path FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid WHERE entries_fts MATCH 'title:dry title:applies'"),
    ).toEqual([{ path: DRY }]);
    // Every flagged entry has its file_errors row naming a line.
    const flagged = query<{ path: string; error: string; message: string | null }>(
      db,
      'SELECT e.path, e.error, f.message FROM entries e LEFT JOIN file_errors f ON f.path = e.path WHERE e.error IS NOT NULL',
    );
    for (const f of flagged) {
      expect(f.error).toMatch(/line \d+/);
      expect(f.message).toMatch(/line \d+/);
    }
  });

  it('indexes the files with odd YAML with their bodies and frontmatter, as gray-matter reads them', () => {
    const rows = query<{ path: string; title: string; date: string | null; body: string; frontmatter: string; error: string | null }>(
      db,
      `SELECT path, title, date, body, frontmatter, error FROM entries WHERE path IN (${ODD_YAML.map(() => '?').join(',')}) ORDER BY path`,
      ODD_YAML,
    );
    expect(rows.map((r) => r.path)).toEqual(ODD_YAML);
    for (const r of rows) {
      expect(r.body.length, r.path).toBeGreaterThan(0);
      expect(r.error, r.path).toBeNull();
      expect(JSON.parse(r.frontmatter), r.path).toHaveProperty('title', r.title);
    }
    const byPath = new Map(rows.map((r) => [r.path, r]));
    expect(byPath.get('site/index.md')).toMatchObject({ title: 'Sympolymathesy' });
    expect(byPath.get('site/journal/2023/Analytics for Sites With Tech-Savvy Audiences.md')).toMatchObject({ date: '2023-08-12' });
    expect(byPath.get('site/journal/2023/Writing and Prestige-Building—A Reply to Will Larson.md')).toMatchObject({ date: '2023-08-13' });
    expect(JSON.parse(byPath.get(DRY)!.frontmatter)).toMatchObject({ date: '2023-11-02T17:01:00-0600' });
    const tagsOf = (p: string): string[] =>
      query<{ tag: string }>(db, 'SELECT tag FROM tags JOIN entries e ON e.id = tags.entry_id WHERE e.path = ? ORDER BY tag', [p]).map((t) => t.tag);
    expect(tagsOf('site/journal/2023/Whither Gradual Typing.md')).toEqual(expect.arrayContaining(['programming languages', 'software development']));
    expect(tagsOf('site/journal/2023/Writing and Prestige-Building—A Reply to Will Larson.md')).toContain('writing');
  });

  it('flags no file: every frontmatter in the corpus is one gray-matter reads', () => {
    expect(query(db, 'SELECT path, error FROM entries WHERE error IS NOT NULL')).toEqual([]);
    expect(query(db, 'SELECT path, message FROM file_errors')).toEqual([]);
  });
  it('has fields for its frontmatter: nested keys dotted, lists one row per item, dates typed', () => {
    const whither = 'site/journal/2023/Whither Gradual Typing.md';
    const fields = query<{ key: string; value: string; type: string }>(
      db,
      "SELECT f.key, f.value, f.type FROM fields f JOIN entries e ON e.id = f.entry_id WHERE e.path = ? AND f.source = 'frontmatter' ORDER BY f.rowid",
      [whither],
    );
    expect(fields.map((f) => `${f.key} ${f.type}`)).toEqual([
      'title text',
      'subtitle text',
      'summary text',
      'tags text',
      'tags text',
      'qualifiers.audience text',
      'started date',
      'draft bool',
    ]);
    expect(fields.filter((f) => f.key === 'tags').map((f) => f.value)).toEqual(['software development', 'programming languages']);
    expect(fields.find((f) => f.key === 'started')!.value).toBe('2023-07-29T12:30:00-0600');
    // Every entry with frontmatter keys has its fields.
    expect(query(db, "SELECT count(*) AS n FROM entries e WHERE e.frontmatter != '{}' AND NOT EXISTS (SELECT 1 FROM fields f WHERE f.entry_id = e.id)")).toEqual([{ n: 0 }]);
    expect(query<{ n: number }>(db, "SELECT count(*) AS n FROM fields WHERE source = 'frontmatter'")[0]!.n).toBeGreaterThan(4000);
  });
});

/** The other two corpora (../shared/corpora): they index without a crash or a new problem. */
describe.each([
  // flancian-garden: ~50k wikilinks; 29,874 resolved before links were kept per occurrence (issue 19's floor).
  { name: 'flancian-garden', files: 7694, resolvedAtLeast: 29_874 },
  // cpp-docs: frontmatter keyword lists of up to 1,927 items, 100k+ headings, many anchored links.
  { name: 'cpp-docs', files: 9747, resolvedAtLeast: 47_812 },
])('the $name corpus', { timeout: 300_000 }, ({ name, files, resolvedAtLeast }) => {
  const tarball = path.resolve(REPO_ROOT, '..', 'shared', 'corpora', `${name}.tar.gz`);
  it.skipIf(!fs.existsSync(tarball))('indexes every file with no error, its links resolved', async () => {
    const dir = tmpDir(`inkdex-${name}-`);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', dir], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).toBe(0);
    const db = path.join(dir, 'index.sqlite');
    const run = await runCli(['sync', path.join(dir, name), '--json', '--db', db], { timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(parseJsonLine(run.stdout)).toMatchObject({ status: 'succeeded', scanned: files, added: files, errors: 0 });
    expect(query(db, 'SELECT path, message FROM file_errors')).toEqual([]);
    expect(query<{ n: number }>(db, 'SELECT count(*) AS n FROM links WHERE target_id IS NOT NULL')[0]!.n).toBeGreaterThanOrEqual(resolvedAtLeast);
    await cleanup.run();
  });
});
