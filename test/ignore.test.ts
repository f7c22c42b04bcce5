/**
 * SPEC §2, which paths are indexed, through `ignoreRules` (shared by the scanner and the
 * watcher). The CLI-level test in sync-cli.test.ts checks the same rules end to end.
 */
import { describe, expect, it } from 'vitest';
import { globMatcher, ignoreRules } from '../src/core/ignore.js';

describe('ignoreRules().indexes', () => {
  const rules = ignoreRules(['drafts/**', '*.private.md', 'archive/', 'caf\u0065\u0301/**'], '.inkdex/index.sqlite');
  const cases: Array<[path: string, indexed: boolean]> = [
    ['note.md', true],
    ['deep/er/note.md', true],
    ['note.markdown', true],
    ['NOTE.MD', true],
    ['note.Markdown', true],
    ['note.txt', false],
    ['note.mdx', false],
    ['note', false],
    ['.hidden.md', false],
    ['.obsidian/x.md', false],
    ['sub/.trash/x.md', false],
    ['node_modules/x.md', false],
    ['sub/node_modules/x.md', false],
    ['node_modules_not/x.md', true],
    ['backup.md~', false],
    ['note.md.swp', false],
    ['note.md.swx', false],
    ['.#note.md', false],
    ['#note.md#', false],
    ['x.md.tmp', false],
    ['4913', false],
    ['drafts/x.md', false],
    ['drafts/deep/x.md', false],
    ['sub/drafts/x.md', true],
    ['notdrafts/x.md', true],
    ['secret.private.md', false],
    ['sub/secret.private.md', false],
    ['archive/x.md', false],
    ['sub/archive/x.md', false],
    ['caf\u00e9/x.md', false],
  ];
  it.each(cases)('%s → %s', (p, indexed) => {
    expect(rules.indexes(p)).toBe(indexed);
  });

  it('never indexes the index file', () => {
    expect(ignoreRules([], 'index.md').indexes('index.md')).toBe(false);
    expect(ignoreRules([], 'index.md').indexes('sub/index.md')).toBe(true);
  });
});

describe('ignoreRules().ignoresDir', () => {
  const rules = ignoreRules(['drafts/**', 'tmp', 'notes/*.md']);
  const cases: Array<[dir: string, ignored: boolean]> = [
    ['', false],
    ['notes', false],
    ['.git', true],
    ['notes/.obsidian', true],
    ['node_modules', true],
    ['a/node_modules', true],
    ['drafts', true], // `drafts/**` covers everything inside: the folder is not even walked
    ['notes/sub', false], // `notes/*.md` covers only some files of notes/
    ['drafts/deep', true],
    ['tmp', true],
    ['a/tmp', true],
  ];
  it.each(cases)('%j → %s', (dir, ignored) => {
    expect(rules.ignoresDir(dir)).toBe(ignored);
  });
});

describe('globMatcher', () => {
  const cases: Array<[glob: string, path: string, matches: boolean]> = [
    ['*.md', 'a.md', true],
    ['*.md', 'x/a.md', true],
    ['x/*.md', 'x/a.md', true],
    ['x/*.md', 'x/y/a.md', false],
    ['x/**/*.md', 'x/y/z/a.md', true],
    ['x/**/*.md', 'x/a.md', true],
    ['**/a.md', 'a.md', true],
    ['/a.md', 'a.md', true],
    ['/a.md', 'x/a.md', false],
    ['./x/a.md', 'x/a.md', true],
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['[ab].md', 'b.md', true],
    ['[!ab].md', 'b.md', false],
    ['{a,b}.md', 'b.md', true],
    ['notes (old)/**', 'notes (old)/x.md', true],
    ['a+b.md', 'a+b.md', true],
    ['a+b.md', 'aab.md', false],
    ['re\u0301sume\u0301.md', 'r\u00e9sum\u00e9.md', true],
  ];
  it.each(cases)('%s ~ %s → %s', (glob, p, matches) => {
    expect(globMatcher(glob)(p)).toBe(matches);
  });
});
