/**
 * Large runs read and parse on a worker thread (src/sync/prepare.ts): what they store must
 * be exactly what parsing in-process gives — every table a note's text fills.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseEntry } from '../src/core/parse.js';
import { CHILD_INDEXES } from '../src/index/schema.js';
import { cleanup, makeJournal, query, runCli, tmpDir } from './helpers.js';

afterEach(() => cleanup.run());

it('stores the same entries from the worker as parseEntry gives', { timeout: 60_000 }, async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 1100; i++) {
    const fm = i % 3 === 0 ? '' : `---\ntitle: Note ${i}\ntags: [a/b, x${i % 7}]\ndate: 2024-0${(i % 9) + 1}-1${i % 10}\naliases: [Alias ${i}]\nmood: ${i % 10}\nnested: {k: v${i % 4}}\n---\n`;
    files[`f${i % 10}/n ${i}.md`] =
      `${fm}# Heading ${i}\nSome text #t${i % 13} [[link ${i % 50}|alias]] [m](rel/p${i}.md) ![[n ${(i + 1) % 1100}#Part ${((i + 1) % 1100) % 3}]] [[#Heading ${i}]]\n` +
      `## Part ${i % 3}\nmood:: ${i % 7} and a paragraph. ^b${i}\n` +
      `- [ ] task ${i} 📅 2024-06-${String((i % 28) + 1).padStart(2, '0')} ${['⏫', '🔽', ''][i % 3]} [owner:: me]\n- [x] done [completion:: 2024-05-01]\n` +
      `%% hidden [[secret ${i}]] #hidden %%\n${'é'.repeat(i % 5)}\n`;
  }
  files['bad.md'] = '---\ntitle: [unclosed\n---\nbody #ok\n';
  const journal = makeJournal(files);
  const db = path.join(tmpDir(), 'index.sqlite');
  const res = await runCli(['sync', journal, '--db', db, '--json']);
  expect(res.code, res.stderr).toBe(0);

  const rows = query<{ id: number; path: string; title: string; date: string | null; frontmatter: string; body: string; word_count: number; error: string | null }>(
    db,
    'SELECT id, path, title, date, frontmatter, body, word_count, error FROM entries',
  );
  const by = <R extends { entry_id: number }, T>(sql: string, pick: (r: R) => T): Map<number, T[]> => group(query<R>(db, sql), pick);
  const tags = by<{ entry_id: number; tag: string }, string>('SELECT entry_id, tag FROM tags ORDER BY tag', (r) => r.tag);
  const links = by('SELECT entry_id, target, kind, anchor, line FROM links ORDER BY rowid', ({ entry_id: _, ...l }) => l);
  const tasks = by('SELECT entry_id, line, text, done = 1 AS done, due, scheduled, done_date AS doneDate, priority FROM tasks ORDER BY line', ({ entry_id: _, ...t }) => ({
    ...t,
    done: (t as { done: number }).done === 1,
  }));
  const headings = by('SELECT entry_id, level, text, line FROM headings ORDER BY rowid', ({ entry_id: _, ...h }) => h);
  const blocks = by<{ entry_id: number; id: string; line: number }, unknown>('SELECT entry_id, block_id AS id, line FROM blocks ORDER BY rowid', ({ entry_id: _, ...b }) => b);
  const aliases = by<{ entry_id: number; alias: string }, string>('SELECT entry_id, alias FROM aliases ORDER BY rowid', (r) => r.alias);
  const fields = by('SELECT entry_id, key, value, type, num, source, line FROM fields ORDER BY rowid', ({ entry_id: _, ...f }) => f);
  expect(rows).toHaveLength(1101);
  for (const row of rows) {
    const p = parseEntry(row.path, fs.readFileSync(path.join(journal, row.path), 'utf8'));
    expect({ title: row.title, date: row.date, frontmatter: JSON.parse(row.frontmatter), body: row.body, words: row.word_count, error: row.error }, row.path).toEqual({
      title: p.title, date: p.date, frontmatter: p.frontmatter, body: p.body, words: p.wordCount, error: p.error,
    });
    expect(tags.get(row.id) ?? [], row.path).toEqual(p.tags);
    expect(links.get(row.id) ?? [], row.path).toEqual(p.links.map(({ target, kind, anchor, line }) => ({ target, kind, anchor, line })));
    expect(tasks.get(row.id) ?? [], row.path).toEqual(p.tasks);
    expect(headings.get(row.id) ?? [], row.path).toEqual(p.headings);
    expect(blocks.get(row.id) ?? [], row.path).toEqual(p.blocks);
    expect(aliases.get(row.id) ?? [], row.path).toEqual(p.aliases);
    expect(fields.get(row.id) ?? [], row.path).toEqual(p.fields);
  }
  // The rows exist at all (a parser that found nothing would pass the comparison).
  expect(fields.size).toBeGreaterThan(700);
  expect(query(db, "SELECT count(*) AS n FROM links WHERE kind = 'embed' AND anchor_ok = 1")[0]).toEqual({ n: 1100 });
  expect(query(db, "SELECT count(*) AS n FROM links WHERE target = '' AND anchor_ok = 1")[0]).toEqual({ n: 1100 });
  // A first build leaves the child tables' indexes out while it runs: all are back at its end.
  const indexes = query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").map((r) => r.name);
  expect(indexes).toEqual(expect.arrayContaining(CHILD_INDEXES.map((i) => i.name)));
});

function group<R extends { entry_id: number }, T>(rows: R[], pick: (r: R) => T): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) m.set(r.entry_id, [...(m.get(r.entry_id) ?? []), pick(r)]);
  return m;
}
