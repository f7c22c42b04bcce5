/**
 * Obsidian's rules kept current while `inkdex serve` runs (issue 19): a heading renamed
 * or removed breaks the anchors that named it and renaming it back mends them; an alias
 * added or removed shows in `aliasOf`; a field edited is what the API and the filters see.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkRow } from '../src/core/seam.js';
import { cleanup, makeJournal, query, waitFor } from './helpers.js';
import { entryAt, startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

const WAIT = { timeoutMs: 15_000 };

/** An entry's link as /api/entries/:id gives it. */
type Link = LinkRow;

async function linksOf(s: Served, p: string): Promise<Link[]> {
  const e = await entryAt(s, p);
  return (await s.api<{ links: Link[] }>(`/api/entries/${e!.id}`)).links;
}

async function broken(s: Served): Promise<Array<{ path: string; target: string; anchor: string | null; line: number; aliasOf: string | null }>> {
  return (await s.api<{ links: Array<{ path: string; target: string; anchor: string | null; line: number; aliasOf: string | null }> }>('/api/links/broken')).links;
}

function edit(journal: string, rel: string, from: string | RegExp, to: string): void {
  const file = path.join(journal, rel);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));
}

describe('anchors follow the headings they name', { timeout: 60_000 }, () => {
  it('a heading renamed sets anchor_ok 0 on the links to it, renamed back 1; a removed block too', async () => {
    const journal = makeJournal({
      'Target.md': '# Target\n\n## Plans\n\nSome plans. ^plan-1\n',
      'Linker.md': 'See [[Target#Plans]] and [[Target#^plan-1]].\n',
    });
    const s = await startServe(journal);
    await s.idle();
    expect((await linksOf(s, 'Linker.md')).map((l) => [l.anchor, l.anchorOk])).toEqual([
      ['Plans', true],
      ['^plan-1', true],
    ]);
    expect(await broken(s)).toEqual([]);

    edit(journal, 'Target.md', '## Plans', '## Schemes');
    await waitFor(async () => (await linksOf(s, 'Linker.md'))[0]!.anchorOk === false, { ...WAIT, message: 'the anchor to be broken' });
    expect(query(s.db, "SELECT anchor, anchor_ok FROM links WHERE anchor = 'Plans'")).toEqual([{ anchor: 'Plans', anchor_ok: 0 }]);
    expect(await broken(s)).toEqual([{ path: 'Linker.md', target: 'Target', kind: 'wiki', anchor: 'Plans', line: 1, entryId: expect.any(Number), aliasOf: null }]);

    edit(journal, 'Target.md', '## Schemes', '## plans');
    await waitFor(async () => (await linksOf(s, 'Linker.md'))[0]!.anchorOk === true, { ...WAIT, message: 'the anchor to be mended' });
    expect(await broken(s)).toEqual([]);

    edit(journal, 'Target.md', ' ^plan-1', '');
    await waitFor(async () => (await linksOf(s, 'Linker.md'))[1]!.anchorOk === false, { ...WAIT, message: 'the block anchor to be broken' });

    // The target removed: no target, so the anchor is not checked (NULL) and the link is broken.
    fs.rmSync(path.join(journal, 'Target.md'));
    await waitFor(async () => (await linksOf(s, 'Linker.md')).every((l) => l.targetId === null && l.anchorOk === null), { ...WAIT, message: 'the target to be gone' });
    expect((await broken(s)).map((b) => b.anchor)).toEqual(['Plans', '^plan-1']);

    // Back under another name that the links do not ask for, then under its own.
    fs.writeFileSync(path.join(journal, 'Target.md'), '# Target\n\n## Plans\n');
    await waitFor(async () => (await linksOf(s, 'Linker.md')).map((l) => l.anchorOk).join() === 'true,false', { ...WAIT, message: 'the anchors checked again' });
  });
});

describe('aliasOf follows the aliases', { timeout: 60_000 }, () => {
  it('an alias added names its note in the broken link; removed, it no longer does', async () => {
    const journal = makeJournal({
      'people/Ann Lee.md': '# Ann Lee\n',
      'Day.md': 'Lunch with [[Annie]].\n',
    });
    const s = await startServe(journal);
    await s.idle();
    expect(await broken(s)).toEqual([expect.objectContaining({ target: 'Annie', aliasOf: null })]);

    fs.writeFileSync(path.join(journal, 'people/Ann Lee.md'), '---\naliases: [Annie, A. Lee]\n---\n# Ann Lee\n');
    await waitFor(async () => (await broken(s))[0]?.aliasOf === 'people/Ann Lee.md', { ...WAIT, message: 'aliasOf to name the note' });
    const ann = await entryAt(s, 'people/Ann Lee.md');
    expect((await s.api<{ aliases: string[] }>(`/api/entries/${ann!.id}`)).aliases).toEqual(['Annie', 'A. Lee']);
    // An alias is no link target: the link stays unresolved, as in Obsidian.
    expect((await linksOf(s, 'Day.md'))[0]!.targetId).toBeNull();

    fs.writeFileSync(path.join(journal, 'people/Ann Lee.md'), '---\naliases: [A. Lee]\n---\n# Ann Lee\n');
    await waitFor(async () => (await broken(s))[0]?.aliasOf === null, { ...WAIT, message: 'aliasOf to be gone' });

    // The note moves: aliasOf follows it.
    fs.writeFileSync(path.join(journal, 'people/Ann Lee.md'), '---\naliases: [Annie]\n---\n# Ann Lee\n');
    await waitFor(async () => (await broken(s))[0]?.aliasOf === 'people/Ann Lee.md', WAIT);
    fs.renameSync(path.join(journal, 'people/Ann Lee.md'), path.join(journal, 'Ann.md'));
    await waitFor(async () => (await broken(s))[0]?.aliasOf === 'Ann.md', { ...WAIT, message: 'aliasOf to follow the move' });
  });
});

describe('fields follow their notes', { timeout: 60_000 }, () => {
  it('a field edited is what the entry, /api/fields and field= filters see', async () => {
    const journal = makeJournal({
      'days/2024-06-01.md': '---\nmood: 7\n---\nEnergy:: 5\n',
      'days/2024-06-02.md': '---\nmood: 4\n---\n[energy:: 8]\n',
    });
    const s = await startServe(journal);
    await s.idle();
    const fields = async (): Promise<unknown> => (await s.api<{ fields: unknown }>('/api/fields')).fields;
    const withField = async (f: string): Promise<string[]> =>
      (await s.api<{ entries: Array<{ path: string }> }>(`/api/entries?${f}`)).entries.map((e) => e.path).sort();
    // Most used first, then by key in any case.
    expect(await fields()).toEqual([
      { key: 'Energy', count: 2, types: ['number'] },
      { key: 'mood', count: 2, types: ['number'] },
    ]);
    expect(await withField('field=mood:7')).toEqual(['days/2024-06-01.md']);
    expect(await withField('field=energy')).toEqual(['days/2024-06-01.md', 'days/2024-06-02.md']);

    edit(journal, 'days/2024-06-01.md', 'mood: 7', 'mood: great');
    await waitFor(async () => (await withField('field=MOOD:Great')).length === 1, { ...WAIT, message: 'the edited field' });
    expect(await withField('field=mood:7')).toEqual([]);
    const day = await entryAt(s, 'days/2024-06-01.md');
    expect((await s.api<{ fields: unknown[] }>(`/api/entries/${day!.id}`)).fields).toEqual([
      { key: 'mood', value: 'great', type: 'text', num: null, source: 'frontmatter', line: null },
      { key: 'Energy', value: '5', type: 'number', num: 5, source: 'inline', line: 4 },
    ]);
    expect(await fields()).toEqual([
      { key: 'Energy', count: 2, types: ['number'] },
      { key: 'mood', count: 2, types: ['number', 'text'] },
    ]);
    // Both filters must hold.
    expect(await withField('field=mood:great&field=energy:5')).toEqual(['days/2024-06-01.md']);
    expect(await withField('field=mood:great&field=energy:8')).toEqual([]);
  });
});
