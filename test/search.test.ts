/**
 * Ranked full-text search (SPEC §4: best match first, BM25-style): the rank function over
 * FTS4's matchinfo, through the storage seam in-process, for the engine INKDEX_ENGINE names.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoreRules } from '../src/core/ignore.js';
import { openIndexFile } from '../src/index/open-index.js';
import { runSync } from '../src/sync/sync.js';
import { cleanup, makeJournal, tmpDir } from './helpers.js';

afterEach(() => cleanup.run());

const ENGINE = process.env.INKDEX_ENGINE === 'wasm' ? 'wasm' : 'native';
const filler = (n: number): string => Array.from({ length: n }, (_, i) => `word${i % 50}`).join(' ');

describe(`ranked search (${ENGINE} engine)`, () => {
  it('puts the best match first: title hits, then dense short bodies, then passing mentions', async () => {
    const root = makeJournal({
      '2024-01-01.md': `# Monday\n${filler(300)} kayak ${filler(300)}\n`, // newest, one passing mention in a long body
      '2023-01-01.md': `# Trip\nkayak kayak kayak, the kayak again.\n`, // dense short body
      '2022-01-01.md': `# Kayak repairs\n${filler(40)}\n`, // in the title
      '2021-01-01.md': `# Nothing\n${filler(40)}\n`,
    });
    const index = await openIndexFile(ENGINE, path.join(tmpDir('inkdex-db-'), 'index.sqlite'), root);
    cleanup.add(() => index.file.close());
    await runSync(index.store, { root, rules: ignoreRules([]), maxFileSize: 1e7 }, { kind: 'full' }, 'cli');
    const hits = index.reader.entries({ q: 'kayak', limit: 10, offset: 0 });
    expect(hits.total).toBe(3);
    expect(hits.entries.map((e) => e.path)).toEqual(['2022-01-01.md', '2023-01-01.md', '2024-01-01.md']);
    expect(hits.entries[1]!.snippet).toContain('«kayak»');
    // Without a query: newest date first.
    expect(index.reader.entries({ limit: 10, offset: 0 }).entries.map((e) => e.path)).toEqual(['2024-01-01.md', '2023-01-01.md', '2022-01-01.md', '2021-01-01.md']);
    // A lone quote is searched as plain words rather than failing.
    expect(index.reader.entries({ q: 'kayak"', limit: 10, offset: 0 }).total).toBe(3);
  });

  it('pages through hits of equal rank without repeating or losing one, with and without a filter', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 23; i++) files[`n${String(i).padStart(2, '0')}.md`] = `# Note\nthe same words about otters #${i % 2 ? 'odd' : 'even'}\n`;
    const root = makeJournal(files);
    const index = await openIndexFile(ENGINE, path.join(tmpDir('inkdex-db-'), 'index.sqlite'), root);
    cleanup.add(() => index.file.close());
    await runSync(index.store, { root, rules: ignoreRules([]), maxFileSize: 1e7 }, { kind: 'full' }, 'cli');
    for (const tag of [undefined, 'odd']) {
      const seen: string[] = [];
      for (let offset = 0; ; offset += 4) {
        const page = index.reader.search({ query: 'otters', ...(tag ? { tag } : {}), limit: 4, offset });
        seen.push(...page.hits.map((h) => h.path));
        if (page.hits.length < 4) {
          expect(page.total).toBe(tag ? 11 : 23);
          break;
        }
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toHaveLength(tag ? 11 : 23);
    }
  });

  // Issue 19: search finds a note by its aliases too (an alias is another name of the note).
  it('ranks a note whose alias is the query above text matches, and pages across both', async () => {
    const root = makeJournal({
      'people/Ann Lee.md': '---\naliases: [Annie, "Ann L."]\n---\n# Ann Lee\nWorks on boats.\n',
      'people/Other.md': '---\naliases: [annie]\ntags: [work]\n---\n# Someone else\nNo match in the text.\n',
      'days/2024-01-02.md': '# Tuesday\nLunch with annie, then annie again.\n',
      'days/2024-01-03.md': '# Wednesday\nannie called.\n',
    });
    const index = await openIndexFile(ENGINE, path.join(tmpDir('inkdex-db-'), 'index.sqlite'), root);
    cleanup.add(() => index.file.close());
    await runSync(index.store, { root, rules: ignoreRules([]), maxFileSize: 1e7 }, { kind: 'full' }, 'cli');
    const all = index.reader.search({ query: 'ANNIE', limit: 10 });
    expect(all.total).toBe(4);
    expect(all.hits.map((h) => h.path)).toEqual(['people/Ann Lee.md', 'people/Other.md', 'days/2024-01-02.md', 'days/2024-01-03.md']);
    expect(all.hits[0]!.score).toBeGreaterThan(all.hits[2]!.score);
    // Paged: the alias hits first, then the text hits, none lost or repeated.
    const pages = [0, 1, 2, 3].map((offset) => index.reader.search({ query: 'annie', limit: 1, offset }).hits.map((h) => h.path)).flat();
    expect(pages).toEqual(all.hits.map((h) => h.path));
    // Filters apply to alias hits too; the API's entries route ranks them the same way.
    expect(index.reader.search({ query: 'annie', tag: 'work', limit: 10 }).hits.map((h) => h.path)).toEqual(['people/Other.md']);
    expect(index.reader.entries({ q: 'Ann L.', limit: 10, offset: 0 }).entries[0]!.path).toBe('people/Ann Lee.md');
    // A word that is only part of an alias is a text search, as before.
    expect(index.reader.search({ query: 'boats', limit: 10 }).hits.map((h) => h.path)).toEqual(['people/Ann Lee.md']);
  });
});
