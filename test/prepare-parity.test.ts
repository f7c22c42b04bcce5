/**
 * Large runs read and parse on a worker thread (src/prepare.ts): what they store must be
 * exactly what parsing in-process gives.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseEntry } from '../src/core/parse.js';
import { cleanup, makeJournal, query, runCli, tmpDir } from './helpers.js';

afterEach(() => cleanup.run());

it('stores the same entries from the worker as parseEntry gives', { timeout: 60_000 }, async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 1100; i++) {
    const fm = i % 3 === 0 ? '' : `---\ntitle: Note ${i}\ntags: [a/b, x${i % 7}]\ndate: 2024-0${(i % 9) + 1}-1${i % 10}\n---\n`;
    files[`f${i % 10}/n ${i}.md`] = `${fm}# Heading ${i}\nSome text #t${i % 13} [[link ${i % 50}|alias]] [m](rel/p${i}.md)\n- [ ] task ${i}\n- [x] done\n${'é'.repeat(i % 5)}\n`;
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
  const tags = group(query<{ entry_id: number; tag: string }>(db, 'SELECT entry_id, tag FROM tags ORDER BY tag'), (r) => r.tag);
  const links = group(query<{ entry_id: number; target: string; kind: string }>(db, 'SELECT entry_id, target, kind FROM links ORDER BY rowid'), (r) => ({ target: r.target, kind: r.kind }));
  const tasks = group(query<{ entry_id: number; line: number; text: string; done: number }>(db, 'SELECT entry_id, line, text, done FROM tasks ORDER BY line'), (r) => ({ line: r.line, text: r.text, done: r.done === 1 }));
  expect(rows).toHaveLength(1101);
  for (const row of rows) {
    const p = parseEntry(row.path, fs.readFileSync(path.join(journal, row.path), 'utf8'));
    expect({ title: row.title, date: row.date, frontmatter: JSON.parse(row.frontmatter), body: row.body, words: row.word_count, error: row.error }, row.path).toEqual({
      title: p.title, date: p.date, frontmatter: p.frontmatter, body: p.body, words: p.wordCount, error: p.error,
    });
    expect(tags.get(row.id) ?? [], row.path).toEqual(p.tags);
    expect(links.get(row.id) ?? [], row.path).toEqual(p.links.map(({ target, kind }) => ({ target, kind })));
    expect(tasks.get(row.id) ?? [], row.path).toEqual(p.tasks.map(({ line, text, done }) => ({ line, text, done })));
  }
});

function group<R extends { entry_id: number }, T>(rows: R[], pick: (r: R) => T): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) m.set(r.entry_id, [...(m.get(r.entry_id) ?? []), pick(r)]);
  return m;
}
