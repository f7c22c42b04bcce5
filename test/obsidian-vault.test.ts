/**
 * The hand-written vault of Obsidian rules (test/fixtures/obsidian-vault/, see its README):
 * every note's `%% … expect KIND: JSON … %%` comments against what the parser gives, and
 * against what `inkdex serve` stores and answers (targets, anchors checked, `aliasOf`).
 * Each case names the documentation it follows (`doc:`) or says why inkdex differs (`inkdex:`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEntry, type ParsedEntry } from '../src/core/parse.js';
import { cleanup, query, REPO_ROOT, scalar, walkFiles } from './helpers.js';
import { startServe, type Served } from './serve-helpers.js';

export const VAULT = path.join(REPO_ROOT, 'test', 'fixtures', 'obsidian-vault');

export const KINDS = ['aliases', 'headings', 'blocks', 'links', 'tags', 'tasks', 'fields'] as const;
export type Kind = (typeof KINDS)[number];
/** What the index adds to a parsed row (resolution), not part of the parser's answer. */
export const INDEX_KEYS = ['targetPath', 'anchorOk', 'aliasOf'];

export interface Case {
  what: string;
  why: string;
  expect: Partial<Record<Kind, unknown[]>>;
}

/** The cases of one note (the comments that hold a `case:` line), in the order written. */
export function casesOf(text: string): Case[] {
  const cases: Case[] = [];
  for (const m of text.matchAll(/%%([\s\S]*?)%%/g)) {
    const lines = m[1]!.split('\n');
    if (!lines.some((l) => l.trim().startsWith('case:'))) continue;
    const c: Case = { what: '', why: '', expect: {} };
    for (const line of lines) {
      const key = /^(case|doc|inkdex|expect (\w+)):\s*(.*)$/.exec(line.trim());
      if (!key) continue;
      if (key[1] === 'case') c.what = key[3]!;
      else if (key[1] === 'doc' || key[1] === 'inkdex') c.why += `${key[1]}: ${key[3]!} `;
      else c.expect[key[2] as Kind] = JSON.parse(key[3]!) as unknown[];
    }
    cases.push(c);
  }
  return cases;
}

/** The note's expected rows of each kind its cases speak of, in the order written. */
export function expectedRows(cases: Case[]): Map<Kind, unknown[]> {
  const rows = new Map<Kind, unknown[]>();
  for (const c of cases) for (const [kind, list] of Object.entries(c.expect)) rows.set(kind as Kind, [...(rows.get(kind as Kind) ?? []), ...list!]);
  return rows;
}

/** Each actual row reduced to the keys its expected counterpart names (all of them when there is none). */
export function project(actual: unknown[], expected: unknown[], drop: readonly string[] = []): unknown[] {
  return actual.map((row, i) => {
    if (typeof row !== 'object' || row === null) return row;
    const want = expected[i];
    const keys = typeof want === 'object' && want !== null ? Object.keys(want) : Object.keys(row);
    return Object.fromEntries(keys.filter((k) => !drop.includes(k)).map((k) => [k, (row as Record<string, unknown>)[k]]));
  });
}

export const NOTES = walkFiles(VAULT)
  .filter((p) => p.endsWith('.md') && p !== 'README.md')
  .sort();

describe('the Obsidian-rules vault', () => {
  it('has notes, and every case names its documentation or why inkdex differs', () => {
    expect(NOTES.length).toBeGreaterThanOrEqual(8);
    for (const note of NOTES) {
      const cases = casesOf(fs.readFileSync(path.join(VAULT, note), 'utf8'));
      expect(cases.length, note).toBeGreaterThan(0);
      for (const c of cases) {
        expect(c.what, `${note}: a case without "case:"`).not.toBe('');
        expect(c.why, `${note}: "${c.what}" names no doc`).toMatch(/(doc: https:\/\/|inkdex: \S)/);
      }
    }
  });

  describe.each(NOTES)('%s, as parsed', (note) => {
    const text = fs.readFileSync(path.join(VAULT, note), 'utf8');
    const parsed = parseEntry(note, text);
    const rows = expectedRows(casesOf(text));
    it.each([...rows.keys()])('%s', (kind) => {
      const expected = rows.get(kind)!.map((r) => (typeof r === 'object' && r !== null ? project([r], [r], INDEX_KEYS)[0] : r));
      const actual = parsed[kind as keyof ParsedEntry] as unknown[];
      expect(project(actual, expected), `${note} ${kind}`).toEqual(expected);
    });
  });
});

/** Each kind's rows of one entry as the index holds them, named as the parser names them. */
const ROWS: Record<Kind, string> = {
  aliases: 'SELECT alias AS v FROM aliases WHERE entry_id = ? ORDER BY rowid',
  headings: 'SELECT level, text, line FROM headings WHERE entry_id = ? ORDER BY rowid',
  blocks: 'SELECT block_id AS id, line FROM blocks WHERE entry_id = ? ORDER BY rowid',
  links: `SELECT l.target, l.kind, l.anchor, l.line, t.path AS targetPath, l.anchor_ok AS anchorOk
          FROM links l LEFT JOIN entries t ON t.id = l.target_id WHERE l.entry_id = ? ORDER BY l.rowid`,
  tags: 'SELECT tag AS v FROM tags WHERE entry_id = ? ORDER BY tag',
  tasks: 'SELECT line, text, done = 1 AS done, due, scheduled, done_date AS doneDate, priority FROM tasks WHERE entry_id = ? ORDER BY line',
  fields: 'SELECT key, value, type, num, source, line FROM fields WHERE entry_id = ? ORDER BY rowid',
};

describe('the Obsidian-rules vault, as indexed and served', { timeout: 120_000 }, () => {
  let served: Served;
  let broken: Array<{ path: string; line: number; target: string; anchor: string | null; aliasOf: string | null }> = [];

  beforeAll(async () => {
    served = await startServe(VAULT);
    await served.idle();
    broken = (await served.api<{ links: typeof broken }>('/api/links/broken?limit=1000')).links;
  }, 60_000);

  afterAll(async () => {
    await cleanup.run();
  });

  it.each(NOTES)('%s', (note) => {
    const rows = expectedRows(casesOf(fs.readFileSync(path.join(VAULT, note), 'utf8')));
    const id = scalar<number>(served.db, 'SELECT id FROM entries WHERE path = ?', [note]);
    for (const [kind, expected] of rows) {
      let actual: unknown[] = query<Record<string, unknown>>(served.db, ROWS[kind], [id]).map((r) => ('v' in r ? r.v : r));
      if (kind === 'tasks') actual = actual.map((t) => ({ ...(t as object), done: (t as { done: number }).done === 1 }));
      if (kind === 'links') {
        actual = actual.map((l) => {
          const link = l as { target: string; line: number; anchor: string | null };
          const b = broken.find((x) => x.path === note && x.line === link.line && x.target === link.target && x.anchor === link.anchor);
          return { ...link, aliasOf: b ? b.aliasOf : null };
        });
      }
      expect(project(actual, expected), `${note} ${kind}`).toEqual(expected);
    }
  });
});
