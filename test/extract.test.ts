/**
 * The Obsidian rules of SPEC §3, one extractor at a time (src/core/extract/), through
 * `parseEntry` with inline markdown: aliases, headings, blocks, links with anchors, lines
 * and embeds, fields, task dates and priorities, and nothing from code or comments.
 * The same rules over a whole vault, with the docs they follow: test/obsidian-vault.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseEntry, type Field, type Link, type Task } from '../src/core/parse.js';

function fm(yaml: string, body = ''): string {
  return `---\n${yaml}\n---\n${body}`;
}

const parse = (text: string, path = 'note.md') => parseEntry(path, text);

describe('aliases', () => {
  it.each([
    ['a list', fm('aliases: [AI, Artificial intelligence]'), ['AI', 'Artificial intelligence']],
    ['a block list', fm('aliases:\n  - Doggo\n  - Woofer'), ['Doggo', 'Woofer']],
    ['a string', fm('aliases: Doggo'), ['Doggo']],
    ['a string split on commas', fm('aliases: "Doggo, Woofer ,, "'), ['Doggo', 'Woofer']],
    ['a list item with a comma kept whole', fm('aliases: ["Smith, John"]'), ['Smith, John']],
    ['the legacy alias', fm('alias: Old name'), ['Old name']],
    ['both, each once', fm('aliases: [A, B]\nalias: A'), ['A', 'B']],
    ['keys in any case', fm('Aliases: [Up]'), ['Up']],
    ['numbers as text', fm('aliases: [2024, x]'), ['2024', 'x']],
    ['NFC', fm('aliases: [caf\u0065\u0301]'), ['caf\u00e9']],
    ['none', fm('title: T'), []],
    ['empty', fm('aliases:'), []],
  ])('%s', (_name, text, aliases) => {
    expect(parse(text).aliases).toEqual(aliases);
  });
});

describe('headings', () => {
  it('reads ATX headings with level, text and line (frontmatter lines counted)', () => {
    const r = parse(fm('title: T', '# One\ntext\n## Two ##\n###### Six #tag\n####### seven is none\n#notaheading\n   ### Indented three'));
    expect(r.headings).toEqual([
      { level: 1, text: 'One', line: 4 },
      { level: 2, text: 'Two', line: 6 },
      { level: 6, text: 'Six #tag', line: 7 },
      { level: 3, text: 'Indented three', line: 10 },
    ]);
  });

  it('skips empty headings, headings in code and in comments', () => {
    const r = parse('#\n```\n# In code\n```\n%%\n# In a comment\n%%\n    # indented code\n# Real %% hidden %%\n');
    expect(r.headings).toEqual([{ level: 1, text: 'Real', line: 9 }]);
  });

  it('the title still comes from the first # heading', () => {
    expect(parse('## Sub\n# Main\n').title).toBe('Main');
  });
});

describe('blocks', () => {
  it('reads ^ids ending a line, or alone after a list, quote or table', () => {
    const r = parse('A paragraph. ^para-1\n\n- item ^item2\n\n> quote\n\n^quote-id\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n^table\n');
    expect(r.blocks).toEqual([
      { id: '^para-1', line: 1 },
      { id: '^item2', line: 3 },
      { id: '^quote-id', line: 7 },
      { id: '^table', line: 13 },
    ]);
  });

  it('needs a space before it, letters, digits and dashes only, at the very end', () => {
    const r = parse('x^glued\nsee ^under_score\nmid ^id text\n2^10 = 1024\n`code ^inline`\n');
    expect(r.blocks).toEqual([]);
  });
});

describe('links', () => {
  const link = (target: string, anchor: string | null = null, kind: Link['kind'] = 'wiki', line = 1, form: Link['form'] = kind === 'markdown' ? 'markdown' : 'wiki'): Link => ({ target, kind, form, anchor, line });

  it.each<[string, string, Link[]]>([
    ['a heading', '[[Note#Heading]]', [link('Note', 'Heading')]],
    ['a heading with shown text', '[[Note#Heading|shown]]', [link('Note', 'Heading')]],
    ['a block', '[[Note#^abc-1]]', [link('Note', '^abc-1')]],
    ['this note', '[[#Heading]]', [link('', 'Heading')]],
    ['a block in this note', '[[#^abc]]', [link('', '^abc')]],
    ['nested headings kept whole', '[[Note#Part#Sub]]', [link('Note', 'Part#Sub')]],
    ['an empty anchor is none', '[[Note#]]', [link('Note')]],
    ['shown text only', '[[Note|shown text]]', [link('Note')]],
    ['an escaped pipe (tables)', '| [[Note\\|shown]] |', [link('Note')]],
    ['a wiki embed', '![[Note]]', [link('Note', null, 'embed')]],
    ['an embedded heading', '![[Note#Part]]', [link('Note', 'Part', 'embed')]],
    ['an embedded attachment', '![[photo.png|100]]', [link('photo.png', null, 'embed')]],
    ['a markdown image', '![alt](img/a%20b.png)', [link('img/a b.png', null, 'embed', 1, 'markdown')]],
    ['a markdown image URL is none', '![alt](https://example.com/a.png)', []],
    ['a markdown anchor, decoded', '[x](Other%20note.md#My%20Heading)', [link('Other note.md', 'My Heading', 'markdown')]],
    ['a markdown query dropped', '[x](a.md?v=1#part)', [link('a.md', 'part', 'markdown')]],
    ['a bare markdown anchor is none', '[x](#top)', []],
  ])('%s', (_name, text, links) => {
    expect(parse(text).links).toEqual(links);
  });

  it('keeps every occurrence, with its line', () => {
    expect(parse('[[A]] and [[A]]\n\n[[A]] [b](b.md) [b](b.md)\n').links).toEqual([
      link('A', null, 'wiki', 1),
      link('A', null, 'wiki', 1),
      link('A', null, 'wiki', 3),
      link('b.md', null, 'markdown', 3),
      link('b.md', null, 'markdown', 3),
    ]);
  });

  it('counts frontmatter lines and CRLF in the line', () => {
    expect(parse('---\r\ntitle: T\r\n---\r\n\r\nsee [[X]]\r\n').links).toEqual([link('X', null, 'wiki', 5)]);
  });
});

describe('nothing from code or %%comments%%', () => {
  it.each([
    ['an inline comment', 'a %%[[Hidden]] #hidden [k:: v]%% b\n'],
    ['a comment over lines', '%%\n[[Hidden]] #hidden\n- [ ] hidden task\nk:: v\n# Hidden heading\n%%\n'],
    ['a comment opened mid-line', 'text %% start\n[[Hidden]]\nend %%\n'],
    ['a fence inside a comment', '%%\n```\n%%\n[[Not code]]\n'],
    ['inline code', '`[[Hidden]] #hidden [k:: v] k:: v`\n'],
    ['a fence', '```\n[[Hidden]] #hidden\n- [ ] hidden\nk:: v\n```\n'],
    ['indented code', 'para\n\n    [[Hidden]] k:: v\n'],
  ])('%s', (name, text) => {
    const r = parse(text);
    const shown = name === 'a fence inside a comment' ? ['Not code'] : [];
    expect(r.links.map((l) => l.target)).toEqual(shown);
    expect(r.tags).toEqual([]);
    expect(r.tasks).toEqual([]);
    expect(r.fields).toEqual([]);
    expect(r.headings).toEqual([]);
  });

  it('reads what follows a comment on its line, and code that holds %%', () => {
    const r = parse('%%a%% [[Shown]] `%%` #tag\n%% open\nclose %% [[After]]\n');
    expect(r.links.map((l) => [l.target, l.line])).toEqual([
      ['Shown', 1],
      ['After', 3],
    ]);
    expect(r.tags).toEqual(['tag']);
  });
});

describe('fields', () => {
  const inline = (key: string, value: string, type: Field['type'], num: number | null, line = 1): Field => ({ key, value, type, num, source: 'inline', line });
  const front = (key: string, value: string, type: Field['type'], num: number | null = null): Field => ({ key, value, type, num, source: 'frontmatter', line: null });

  it('flattens frontmatter: one row per list item, dotted keys, YAML types kept', () => {
    const r = parse(fm('mood: 7\nrating: 4.5\nreviewed: false\nday: 2024-06-01\nat: 2024-06-01T10:30:00Z\nquoted: "7"\nnext: "[[Other]]"\ntags: [a, b]\nthoughts:\n  rating: 8\n  deep: {x: y}\nempty:\nnone: []\npeople: [{name: Ann}]'));
    expect(r.fields).toEqual([
      front('mood', '7', 'number', 7),
      front('rating', '4.5', 'number', 4.5),
      front('reviewed', 'false', 'bool', 0),
      front('day', '2024-06-01', 'date'),
      front('at', '2024-06-01T10:30:00Z', 'date'),
      front('quoted', '7', 'text'),
      front('next', '[[Other]]', 'link'),
      front('tags', 'a', 'text'),
      front('tags', 'b', 'text'),
      front('thoughts.rating', '8', 'number', 8),
      front('thoughts.deep.x', 'y', 'text'),
      front('people.name', 'Ann', 'text'),
    ]);
  });

  it('reads Key:: value taking a whole line, with markup around the key', () => {
    const r = parse('mood:: 7\n**Bold Field**:: Nice!\n> Quoted:: yes\n## Heading field:: 2024-06-01\nSome key::no space\n');
    expect(r.fields).toEqual([
      inline('mood', '7', 'number', 7, 1),
      inline('Bold Field', 'Nice!', 'text', null, 2),
      inline('Quoted', 'yes', 'text', null, 3),
      inline('Heading field', '2024-06-01', 'date', null, 4),
      inline('Some key', 'no space', 'text', null, 5),
    ]);
  });

  it('reads [key:: value] and (key:: value) anywhere in a line, in order', () => {
    const r = parse('I would rate this a [rating:: 9]! It was (mood:: acceptable) [done:: true] [[Note]]\n');
    expect(r.fields).toEqual([inline('rating', '9', 'number', 9), inline('mood', 'acceptable', 'text', null), inline('done', 'true', 'bool', 1)]);
  });

  it('takes nested brackets in a value and types a single link', () => {
    expect(parse('[up:: [[Parent note]]] [both:: [[A]], [[B]]]\n').fields).toEqual([inline('up', '[[Parent note]]', 'link', null), inline('both', '[[A]], [[B]]', 'text', null)]);
  });

  it('reads only the bracketed fields of a line that has some (as Dataview)', () => {
    expect(parse('mood:: 7 [energy:: 3]\n').fields).toEqual([inline('energy', '3', 'number', 3)]);
  });

  it('refuses keys that are not words, and empty values', () => {
    expect(parse('See https://example.com:: x\na.b:: c\nempty::\n[:: x]\n(k::)\n').fields).toEqual([]);
  });

  it('reads `std::move` at the start of a line as Dataview does (a field `std`); in code it is none', () => {
    expect(parse('std::move(x) is cheap\n`std::move` too\n').fields).toEqual([inline('std', 'move(x) is cheap', 'text', null)]);
  });

  it('types values: number, bool, date, date-time, link, text', () => {
    const r = parse('a:: -3.25\nb:: TRUE\nc:: 2024-02-29\nd:: 2024-02-30\ne:: 2024-06-01T08:00\nf:: [[Note|x]]\ng:: 1e3\nh:: 007\n');
    expect(r.fields.map((f) => [f.key, f.type, f.num])).toEqual([
      ['a', 'number', -3.25],
      ['b', 'bool', 1],
      ['c', 'date', null],
      ['d', 'text', null],
      ['e', 'date', null],
      ['f', 'link', null],
      ['g', 'text', null],
      ['h', 'number', 7],
    ]);
  });

  it('list items: a whole-line field on a plain item, brackets on any; a task keeps its own', () => {
    const r = parse('- mood:: 7\n1. energy:: 3\n- item [k:: v]\n- [ ] task [due:: 2024-06-01] [owner:: me]\n  continued [more:: x]\n- plain item\n  lazy:: line\n- [ ] task:: not a page field\n');
    expect(r.fields).toEqual([inline('mood', '7', 'number', 7, 1), inline('energy', '3', 'number', 3, 2), inline('k', 'v', 'text', null, 3)]);
  });
});

describe('tasks', () => {
  const task = (text: string, extra: Partial<Task> = {}): Task => ({ line: 1, text, done: false, due: null, scheduled: null, doneDate: null, priority: null, ...extra });

  it.each<[string, string, Task]>([
    ['Tasks emoji dates', '- [x] pay 📅 2024-06-01 ⏳ 2024-05-30 ✅ 2024-05-31', task('pay 📅 2024-06-01 ⏳ 2024-05-30 ✅ 2024-05-31', { done: true, due: '2024-06-01', scheduled: '2024-05-30', doneDate: '2024-05-31' })],
    ['emoji without a space, with a variation selector', '- [ ] a 📅2024-06-01 🗓️ 2024-07-01', task('a 📅2024-06-01 🗓️ 2024-07-01', { due: '2024-06-01' })],
    ['the other due and scheduled emoji', '- [ ] a 📆 2024-06-02 ⌛ 2024-06-03', task('a 📆 2024-06-02 ⌛ 2024-06-03', { due: '2024-06-02', scheduled: '2024-06-03' })],
    ['an impossible date is none', '- [ ] a 📅 2024-02-30', task('a 📅 2024-02-30')],
    ['highest', '- [ ] a 🔺', task('a 🔺', { priority: 'highest' })],
    ['high', '- [ ] a ⏫', task('a ⏫', { priority: 'high' })],
    ['medium', '- [ ] a 🔼', task('a 🔼', { priority: 'medium' })],
    ['low', '- [ ] a 🔽', task('a 🔽', { priority: 'low' })],
    ['lowest', '- [ ] a ⏬', task('a ⏬', { priority: 'lowest' })],
    [
      'Dataview task fields',
      '- [x] b [due:: 2024-06-01] [scheduled:: 2024-05-01] [completion:: 2024-05-02T10:00] [priority:: High]',
      task('b [due:: 2024-06-01] [scheduled:: 2024-05-01] [completion:: 2024-05-02T10:00] [priority:: High]', { done: true, due: '2024-06-01', scheduled: '2024-05-01', doneDate: '2024-05-02', priority: 'high' }),
    ],
    ['parenthesised fields, keys in any case', '- [ ] c (Due:: 2024-06-01) (priority:: urgent)', task('c (Due:: 2024-06-01) (priority:: urgent)', { due: '2024-06-01', priority: 'urgent' })],
    ['a due field that is no date is none', '- [ ] d [due:: tomorrow]', task('d [due:: tomorrow]')],
    ['an emoji comes before a field', '- [ ] e 📅 2024-01-01 [due:: 2024-02-02]', task('e 📅 2024-01-01 [due:: 2024-02-02]', { due: '2024-01-01' })],
    ['nothing from inline code', '- [ ] f `📅 2024-01-01 [due:: 2024-02-02] ⏫`', task('f `📅 2024-01-01 [due:: 2024-02-02] ⏫`')],
  ])('%s', (_name, text, expected) => {
    expect(parse(text).tasks).toEqual([expected]);
  });

  it('reads only the task line itself for its dates', () => {
    expect(parse('- [ ] g\n  📅 2024-01-01 [due:: 2024-01-01]\n').tasks).toEqual([task('g')]);
  });
});

describe('hostile lines', () => {
  // Each took seconds to minutes before the inline-field and link patterns were made
  // linear (40 variation selectors before `::`: ~100 s; 20k `[a:: `: 5 s; 20k `[a](`: 1.7 s).
  it.each([
    ['variation selectors before ::', `a${'\uFE0F'.repeat(40)}!:: x`],
    ['underscores before ::', `${'_'.repeat(50_000)}!:: x`],
    ['dashes and spaces before ::', `-${' -'.repeat(25_000)}!:: x`],
    ['unclosed bracketed fields', '[a:: '.repeat(50_000)],
    ['unclosed parenthesised fields', `${'(k:: '.repeat(50_000)})`],
    ['unclosed markdown links', '[a]('.repeat(60_000)],
    ['heading marks', `# ${'a #'.repeat(50_000)}`],
  ])('%s: parsed in well under a second', (_name, line) => {
    const started = performance.now();
    parse(`${line}\n`);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('still finds the fields of a line with many brackets', () => {
    expect(parse('[a:: [b:: [c:: x]]] (d:: 1) [e:: \\] y]\n').fields.map((f) => [f.key, f.value])).toEqual([
      ['a', '[b:: [c:: x]]'],
      ['d', '1'],
      ['e', '\\] y'],
    ]);
  });
});
