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
 * parsers (PyYAML, Ruby's Psych) reject. inkdex follows YAML 1.2 (and needs a JSON object):
 * - `site/index.md` has `summary: {{config.description}}`, a mapping used as a key;
 * - three indent a line of a block scalar with a tab, which YAML forbids;
 * - "Where DRY Applies" only has a tab *after* a value (`date: …<TAB>`), which YAML 1.2
 *   allows as separation: its frontmatter is kept.
 */
const BROKEN_YAML = [
  'site/index.md',
  'site/journal/2023/Analytics for Sites With Tech-Savvy Audiences.md',
  'site/journal/2023/Where DRY Applies.md',
  'site/journal/2023/Whither Gradual Typing.md',
  'site/journal/2023/Writing and Prestige-Building—A Reply to Will Larson.md',
];
const VALID_YAML_1_2 = 'site/journal/2023/Where DRY Applies.md';

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
    ).toEqual([{ path: VALID_YAML_1_2 }]);
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

  it('indexes the files with odd YAML, with their bodies', () => {
    const rows = query<{ path: string; body: string; date: string | null }>(
      db,
      `SELECT path, body, date FROM entries WHERE path IN (${BROKEN_YAML.map(() => '?').join(',')}) ORDER BY path`,
      BROKEN_YAML,
    );
    expect(rows.map((r) => r.path)).toEqual(BROKEN_YAML);
    for (const r of rows) expect(r.body.length).toBeGreaterThan(0);
  });

  it('flags the files whose YAML is invalid, naming the line and why', () => {
    const flagged = query<{ path: string; error: string }>(db, 'SELECT path, error FROM entries WHERE error IS NOT NULL ORDER BY path');
    expect(flagged.map((r) => r.path)).toEqual(BROKEN_YAML.filter((p) => p !== VALID_YAML_1_2));
    expect(flagged[0]!.error).toMatch(/line 5: a mapping or list is used as a key/);
    for (const r of flagged.slice(1)) expect(r.error).toMatch(/line \d+: a tab is used for indentation/);
    const kept = query<{ frontmatter: string }>(db, 'SELECT frontmatter FROM entries WHERE path = ?', [VALID_YAML_1_2])[0]!;
    expect(JSON.parse(kept.frontmatter)).toMatchObject({ date: '2023-11-02T17:01:00-0600' });
  });
});
