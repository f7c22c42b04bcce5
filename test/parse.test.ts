/**
 * SPEC §2, every rule about a file's content, through `parseEntry(path, text)`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseEntry, type Link, type Task } from '../src/core/parse.js';

const BOM = '\uFEFF';

/** Frontmatter block + body. */
function fm(yaml: string, body = ''): string {
  return `---\n${yaml}\n---\n${body}`;
}

describe('title', () => {
  const cases: Array<{ name: string; path: string; text: string; title: string }> = [
    { name: 'frontmatter title wins over a heading', path: 'a.md', text: fm('title: From FM', '# Heading\n'), title: 'From FM' },
    { name: 'frontmatter title is trimmed', path: 'a.md', text: fm('title: "  Spaced  "'), title: 'Spaced' },
    { name: 'numeric frontmatter title', path: 'a.md', text: fm('title: 2024'), title: '2024' },
    { name: 'empty frontmatter title falls to the heading', path: 'a.md', text: fm('title: ""', '# The Heading\n'), title: 'The Heading' },
    { name: 'first # heading', path: 'a.md', text: 'intro\n\n# First\n\n# Second\n', title: 'First' },
    { name: 'a ## heading is not a title', path: 'notes/My Note.md', text: '## Sub only\n', title: 'My Note' },
    { name: '#tag at line start is not a heading', path: 'x.md', text: '#tag\n', title: 'x' },
    { name: 'heading inside a fence is not the title', path: 'x.md', text: '```\n# In code\n```\n# Real\n', title: 'Real' },
    { name: 'closing #s of a heading are dropped', path: 'x.md', text: '# Closed ##\n', title: 'Closed' },
    { name: 'file name without .md', path: 'folder/sub/Plain Name.md', text: 'no heading here\n', title: 'Plain Name' },
    { name: 'file name without .markdown', path: 'Long.markdown', text: '', title: 'Long' },
    { name: 'file name without .MD (any case)', path: 'UPPER.MD', text: '', title: 'UPPER' },
    { name: 'only the last extension is removed', path: 'x.md.md', text: '', title: 'x.md' },
    { name: 'heading after a BOM', path: 'b.md', text: `${BOM}# Bom Title\n`, title: 'Bom Title' },
    { name: 'heading with CRLF', path: 'c.md', text: '# Crlf Title\r\nbody\r\n', title: 'Crlf Title' },
  ];
  it.each(cases)('$name', ({ path, text, title }) => {
    expect(parseEntry(path, text).title).toBe(title);
  });
});

describe('date', () => {
  const cases: Array<{ name: string; path?: string; text: string; date: string | null }> = [
    { name: 'frontmatter date (YAML date)', text: fm('date: 2024-01-05'), date: '2024-01-05' },
    { name: 'quoted date string', text: fm('date: "2024-01-05"'), date: '2024-01-05' },
    { name: 'string starting with a date', text: fm('date: 2024-03-04 evening, at home'), date: '2024-03-04' },
    { name: 'timestamp with a time', text: fm('date: 2024-01-05 10:30:00'), date: '2024-01-05' },
    { name: 'UTC timestamp', text: fm('date: 2024-01-05T00:30:00Z'), date: '2024-01-05' },
    { name: 'timestamp with a negative offset is not shifted', text: fm('date: 2024-01-05T23:30:00-05:00'), date: '2024-01-05' },
    { name: 'timestamp with a positive offset is not shifted', text: fm('date: 2024-01-05T00:30:00+09:00'), date: '2024-01-05' },
    { name: 'day when there is no date', text: fm('day: 2023-12-31'), date: '2023-12-31' },
    { name: 'date comes before day', text: fm('day: 2023-12-31\ndate: 2024-01-01'), date: '2024-01-01' },
    { name: 'impossible date 2024-02-30 is none', text: fm('date: 2024-02-30'), date: null },
    { name: 'impossible date 2024-13-45 is none (not rolled over)', text: fm('date: 2024-13-45'), date: null },
    { name: 'leap day in a leap year', text: fm('date: 2024-02-29'), date: '2024-02-29' },
    { name: 'leap day in a non-leap year is none', text: fm('date: 2023-02-29'), date: null },
    { name: 'years before 100 are not read as 19xx', text: fm('date: 0024-02-29'), date: '0024-02-29' },
    { name: 'year 0099-02-29 is none (not a leap year)', text: fm('date: 0099-02-29'), date: null },
    { name: 'an invalid date falls through to day', text: fm('date: 2024-02-30\nday: 2024-03-01'), date: '2024-03-01' },
    { name: 'a non-date date falls through to day', text: fm('date: someday\nday: 2024-03-02'), date: '2024-03-02' },
    { name: 'a number date falls through to day', text: fm('date: 12\nday: "2024-05-06 is the day"'), date: '2024-05-06' },
    { name: 'invalid date and day fall through to the file name', path: 'j/2024-04-01.md', text: fm('date: 2024-02-30\nday: nope'), date: '2024-04-01' },
    { name: 'file name YYYY-MM-DD', path: 'journal/2024-07-08.md', text: 'x', date: '2024-07-08' },
    { name: 'file name YYYY_MM_DD', path: 'journal/2023_12_31.md', text: 'x', date: '2023-12-31' },
    { name: 'date inside a longer file name', path: 'Meeting 2022-10-11 notes.md', text: 'x', date: '2022-10-11' },
    { name: 'impossible file name date is none', path: '2024-13-45.md', text: 'x', date: null },
    { name: 'file name 2024-02-30 is none', path: '2024-02-30.md', text: 'x', date: null },
    { name: 'folder names do not give a date', path: '2024-01-01/note.md', text: 'x', date: null },
    { name: 'no date anywhere', path: 'plain.md', text: 'x', date: null },
    { name: 'a date in the body is not the date', path: 'plain.md', text: 'On 2024-01-01 I wrote\n', date: null },
    { name: 'frontmatter date wins over the file name', path: '2020-01-01.md', text: fm('date: 2024-01-05'), date: '2024-01-05' },
    { name: 'date with CRLF frontmatter', text: '---\r\ndate: 2024-02-29\r\n---\r\nx\r\n', date: '2024-02-29' },
    { name: 'invalid YAML: the file name date still counts', path: '2024-06-01.md', text: fm('date: [2024-01-01'), date: '2024-06-01' },
  ];
  it.each(cases)('$name', ({ path, text, date }) => {
    expect(parseEntry(path ?? 'note.md', text).date).toBe(date);
  });

  it('is the same whatever the time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['Pacific/Kiritimati', 'America/Los_Angeles', 'UTC']) {
        process.env.TZ = tz;
        expect(parseEntry('a.md', fm('date: 2024-01-05')).date).toBe('2024-01-05');
        expect(parseEntry('a.md', fm('date: 2024-01-05T23:30:00-05:00')).date).toBe('2024-01-05');
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('tags', () => {
  const cases: Array<{ name: string; text: string; tags: string[] }> = [
    // frontmatter
    { name: 'frontmatter tags list', text: fm('tags: [Work, home]'), tags: ['home', 'work'] },
    { name: 'frontmatter tags block list', text: fm('tags:\n  - one\n  - two'), tags: ['one', 'two'] },
    { name: 'frontmatter tag (singular)', text: fm('tag: solo'), tags: ['solo'] },
    { name: 'frontmatter Tags (key case-insensitive)', text: fm('Tags: [Upper]'), tags: ['upper'] },
    { name: 'frontmatter TAG (key case-insensitive)', text: fm('TAG: shout'), tags: ['shout'] },
    { name: 'string split on commas and whitespace', text: fm('tags: "a, b c,d\tE"'), tags: ['a', 'b', 'c', 'd', 'e'] },
    { name: 'leading # dropped', text: fm('tags: ["#hash", "#Two"]\ntag: "#three, #four"'), tags: ['four', 'hash', 'three', 'two'] },
    { name: 'empty items dropped', text: fm('tags: ["", "  ", x]\ntag: ",, ,y,,"'), tags: ['x', 'y'] },
    { name: 'tags and tag both read', text: fm('tags: [a]\ntag: b'), tags: ['a', 'b'] },
    { name: 'NFC of a decomposed frontmatter tag', text: fm('tags: [caf\u0065\u0301]'), tags: ['caf\u00e9'] },
    { name: 'nested frontmatter tag expands', text: fm('tags: [a/b/c]'), tags: ['a', 'a/b', 'a/b/c'] },
    { name: 'a duplicated tag is stored once', text: fm('tags: [dup, Dup]', '#dup #DUP\n'), tags: ['dup'] },
    { name: 'other keys are not tags', text: fm('keywords: [k]\ncategories: [c]'), tags: [] },
    // inline: where a tag may start
    { name: 'inline at line start', text: '#start\n', tags: ['start'] },
    { name: 'inline after whitespace', text: 'a #space b\tc\t#tab\n', tags: ['space', 'tab'] },
    { name: 'inline after (', text: 'see (#paren)\n', tags: ['paren'] },
    { name: 'inline after [', text: 'see [#bracket]\n', tags: ['bracket'] },
    { name: 'not after a letter', text: 'x#no\n', tags: [] },
    { name: 'not after other punctuation', text: 'a.#no b/#no c:#no d-#no\n', tags: [] },
    { name: 'not in a URL fragment', text: 'http://a/#frag and https://example.com/page#frag2\n', tags: [] },
    // what ends a tag
    ...[...',.;:!?\'"`()[]{}<>|\\^~=+*&%$@'].map((p) => ({
      name: `terminated by ${JSON.stringify(p)}`,
      text: `word #tag${p}rest\n`,
      tags: ['tag'],
    })),
    { name: 'terminated by whitespace', text: '#one two\n', tags: ['one'] },
    // what a tag is made of
    { name: '#123 is not a tag', text: 'issue #123 and #2024\n', tags: [] },
    { name: 'digits plus a letter are a tag', text: '#2024a #v2\n', tags: ['2024a', 'v2'] },
    { name: '#a#b is none', text: 'x #a#b y\n', tags: [] },
    { name: 'unicode letters', text: '#début #Été\n', tags: ['début', 'été'] },
    { name: 'emoji', text: '#📷 photo\n', tags: ['📷'] },
    { name: 'underscore and hyphen', text: '#snake_case #kebab-case\n', tags: ['kebab-case', 'snake_case'] },
    { name: 'nested tag with digits', text: '#daily/2024\n', tags: ['daily', 'daily/2024'] },
    { name: 'nested a/b/c yields a/b and a', text: '#a/b/c\n', tags: ['a', 'a/b', 'a/b/c'] },
    { name: 'lowercased', text: '#CamelCase #UPPER\n', tags: ['camelcase', 'upper'] },
    { name: 'NFC of a decomposed inline tag', text: '#caf\u0065\u0301 #e\u0301t\u0065\u0301\n', tags: ['caf\u00e9', '\u00e9t\u00e9'] },
    // code
    { name: 'not in a ``` fence', text: '```\n#fenced\n```\n#after\n', tags: ['after'] },
    { name: 'not in a ~~~ fence', text: '~~~python\n# comment #tilde\n~~~\n', tags: [] },
    { name: 'not in a fence with an info string', text: '```js\nconst x = "#str";\n```\n', tags: [] },
    { name: 'not in an unclosed fence', text: '```\n#open\n', tags: [] },
    { name: 'a longer fence is not closed by a shorter one', text: '````\n```\n#inside\n````\n#out\n', tags: ['out'] },
    { name: 'not in indented code (spaces)', text: 'para\n\n    #indented\n', tags: [] },
    { name: 'not in indented code (tab)', text: 'para\n\n\t#tabbed\n', tags: [] },
    { name: 'an indented paragraph continuation is not code', text: 'para\n    #lazy\n', tags: ['lazy'] },
    { name: 'not in single-backtick inline code', text: 'a `#one` b\n', tags: [] },
    { name: 'not in double-backtick inline code', text: 'a ``#two ` x`` b\n', tags: [] },
    { name: 'after inline code closes', text: '`code` #after\n', tags: ['after'] },
    { name: 'not right after inline code', text: '`code`#no\n', tags: [] },
    { name: 'not right after a wikilink', text: '[[note]]#no\n', tags: [] },
    { name: 'not right after a markdown link', text: '[a](b.md)#no\n', tags: [] },
    { name: 'a tag right before a link ends at the bracket', text: '#tag[[x]]\n', tags: ['tag'] },
    { name: 'inline ```code``` at line start is not a fence', text: '```npm i``` is it\n\n#after\n', tags: ['after'] },
    {
      name: 'not in a fence inside a list item',
      text: '- item\n    ```\n    #include <stdio.h>\n    ```\n- next #real\n',
      tags: ['real'],
    },
    { name: 'not in a numbered list item fence', text: '1. step\n   ```sh\n   # comment #x\n   ```\n', tags: [] },
    // headings
    { name: '# heading mark is not a tag', text: '# Heading\n', tags: [] },
    { name: '## heading mark is not a tag', text: '## Heading\n', tags: [] },
    { name: '###### heading mark is not a tag', text: '###### Six\n', tags: [] },
    { name: 'a tag in a heading text is a tag', text: '## Standup #work\n', tags: ['work'] },
    { name: 'a tag in an h1 text is a tag', text: '# Title #t1\n', tags: ['t1'] },
    // links
    { name: 'a wikilink heading is not a tag', text: '[[Note#Section]] [[#local]]\n', tags: [] },
    { name: 'a markdown link anchor is not a tag', text: '[x](#anchor) [y](other.md#part)\n', tags: [] },
    // both
    { name: 'frontmatter and inline together', text: fm('tags: [fm]', 'body #inline\n'), tags: ['fm', 'inline'] },
  ];
  it.each(cases)('$name', ({ text, tags }) => {
    expect(parseEntry('note.md', text).tags).toEqual(tags);
  });
});

/** The parts of a link and a task these cases are about (anchors, lines and task dates: test/extract.test.ts). */
type LinkShape = Pick<Link, 'target' | 'kind'>;
type TaskShape = Pick<Task, 'line' | 'text' | 'done'>;

describe('links', () => {
  const cases: Array<{ name: string; text: string; links: LinkShape[] }> = [
    { name: '[[target]]', text: 'see [[Target Note]]\n', links: [{ target: 'Target Note', kind: 'wiki' }] },
    { name: '[[target|alias]]', text: '[[t|the alias]]\n', links: [{ target: 't', kind: 'wiki' }] },
    { name: '[[target#heading]]', text: '[[t#Some heading]]\n', links: [{ target: 't', kind: 'wiki' }] },
    { name: '[[target#heading|alias]]', text: '[[t#h|a]]\n', links: [{ target: 't', kind: 'wiki' }] },
    { name: 'wikilink to a path', text: '[[folder/Other]]\n', links: [{ target: 'folder/Other', kind: 'wiki' }] },
    { name: 'markdown relative link', text: '[x](rel/path.md)\n', links: [{ target: 'rel/path.md', kind: 'markdown' }] },
    { name: 'markdown link anchor dropped', text: '[x](other.md#sec)\n', links: [{ target: 'other.md', kind: 'markdown' }] },
    { name: 'markdown link in <>', text: '[x](<with space.md>)\n', links: [{ target: 'with space.md', kind: 'markdown' }] },
    { name: 'https link excluded', text: '[x](https://example.com/a.md)\n', links: [] },
    { name: 'http link excluded', text: '[x](http://example.com)\n', links: [] },
    { name: 'mailto link excluded', text: '[mail](mailto:someone@example.com)\n', links: [] },
    { name: 'bare anchor excluded', text: '[x](#top)\n', links: [] },
    { name: 'not in a fence', text: '```\n[[code]] [x](code.md)\n```\n', links: [] },
    { name: 'not in inline code', text: '`[[code]]` and `[x](code.md)`\n', links: [] },
    {
      name: 'wiki and markdown together, in order',
      text: '[[A]] then [b](b.md)\n[[C|c]]\n',
      links: [
        { target: 'A', kind: 'wiki' },
        { target: 'b.md', kind: 'markdown' },
        { target: 'C', kind: 'wiki' },
      ],
    },
    {
      name: 'a link in the frontmatter is not a link',
      text: fm('related: "[[Hidden]]"', '[[Shown]]\n'),
      links: [{ target: 'Shown', kind: 'wiki' }],
    },
  ];
  it.each(cases)('$name', ({ text, links }) => {
    expect(parseEntry('note.md', text).links.map(({ target, kind }) => ({ target, kind }))).toEqual(links);
  });
});

describe('tasks', () => {
  const cases: Array<{ name: string; text: string; tasks: TaskShape[] }> = [
    { name: '- [ ] open', text: '- [ ] buy milk\n', tasks: [{ line: 1, text: 'buy milk', done: false }] },
    { name: '- [x] done', text: '- [x] done it\n', tasks: [{ line: 1, text: 'done it', done: true }] },
    { name: '- [X] done', text: '- [X] big x\n', tasks: [{ line: 1, text: 'big x', done: true }] },
    { name: '* bullet', text: '* [ ] star\n', tasks: [{ line: 1, text: 'star', done: false }] },
    { name: '+ bullet', text: '+ [x] plus\n', tasks: [{ line: 1, text: 'plus', done: true }] },
    {
      name: 'indented (nested) tasks',
      text: '- [ ] parent\n  - [ ] child\n    - [x] grandchild\n',
      tasks: [
        { line: 1, text: 'parent', done: false },
        { line: 2, text: 'child', done: false },
        { line: 3, text: 'grandchild', done: true },
      ],
    },
    { name: 'line numbers are 1-based in the body without frontmatter', text: 'intro\n\n- [ ] third\n', tasks: [{ line: 3, text: 'third', done: false }] },
    {
      name: 'line numbers count frontmatter lines',
      text: fm('title: T\ndate: 2024-01-01', 'intro\n- [ ] task\n'),
      tasks: [{ line: 6, text: 'task', done: false }],
    },
    {
      name: 'line numbers count frontmatter lines with CRLF and a BOM',
      text: `${BOM}---\r\ntitle: T\r\n---\r\n\r\n- [x] crlf task\r\n`,
      tasks: [{ line: 5, text: 'crlf task', done: true }],
    },
    {
      name: 'line numbers after invalid YAML frontmatter',
      text: fm('title: x\n  bad: indent', '- [ ] still here\n'),
      tasks: [{ line: 5, text: 'still here', done: false }],
    },
    { name: 'not in a ``` fence', text: '```\n- [ ] code\n```\n- [ ] real\n', tasks: [{ line: 4, text: 'real', done: false }] },
    { name: 'not in a ~~~ fence', text: '~~~\n- [x] code\n~~~\n', tasks: [] },
    { name: 'not in indented code', text: 'para\n\n    - [ ] code\n', tasks: [] },
    {
      name: 'not in a fence inside a list item',
      text: '- [ ] outer\n    ```\n    - [ ] in code\n    ```\n- [x] after\n',
      tasks: [
        { line: 1, text: 'outer', done: false },
        { line: 5, text: 'after', done: true },
      ],
    },
    { name: 'after an inline ```code``` line', text: '```x``` y\n- [ ] real\n', tasks: [{ line: 2, text: 'real', done: false }] },
    { name: 'not without a space after the bullet', text: '-[ ] nope\n', tasks: [] },
    { name: 'not with another box letter', text: '- [y] nope\n', tasks: [] },
  ];
  it.each(cases)('$name', ({ text, tasks }) => {
    expect(parseEntry('note.md', text).tasks.map(({ line, text, done }) => ({ line, text, done }))).toEqual(tasks);
  });
});

describe('word_count', () => {
  const cases: Array<{ name: string; text: string; words: number }> = [
    { name: 'empty file', text: '', words: 0 },
    { name: 'whitespace-separated words', text: 'one two  three\tfour\nfive\n', words: 5 },
    { name: 'frontmatter excluded', text: fm('title: many words in the title\ntags: [a, b, c]', 'just three words'), words: 3 },
    { name: 'CRLF', text: 'a b\r\nc\r\n', words: 3 },
    { name: 'markdown marks count as written', text: '# Head\n- [ ] t\n', words: 6 },
    { name: 'body of a file with invalid frontmatter', text: fm('a: [x', 'two words'), words: 2 },
  ];
  it.each(cases)('$name', ({ text, words }) => {
    expect(parseEntry('note.md', text).wordCount).toBe(words);
  });
});

describe('frontmatter', () => {
  afterEach(() => {
    delete (globalThis as { __pwned?: unknown }).__pwned;
  });

  it('is read as a mapping and the body follows it', () => {
    const r = parseEntry('a.md', fm('title: T\nn: 3\nlist: [1, 2]\nnested:\n  k: v', '# Body\n'));
    expect(r.frontmatter).toEqual({ title: 'T', n: 3, list: [1, 2], nested: { k: 'v' } });
    expect(r.body).toBe('# Body\n');
    expect(r.error).toBeNull();
  });

  it('is absent when the file does not start with ---', () => {
    const r = parseEntry('a.md', 'text\n---\ntitle: no\n---\n');
    expect(r.frontmatter).toEqual({});
    expect(r.body).toBe('text\n---\ntitle: no\n---\n');
    expect(r.error).toBeNull();
  });

  it('may be empty', () => {
    const r = parseEntry('a.md', '---\n---\nbody');
    expect(r.frontmatter).toEqual({});
    expect(r.body).toBe('body');
    expect(r.error).toBeNull();
  });

  it('may end the file without a final newline', () => {
    const r = parseEntry('a.md', '---\ntitle: a\n---');
    expect(r.frontmatter).toEqual({ title: 'a' });
    expect(r.body).toBe('');
    expect(r.error).toBeNull();
  });

  it('accepts a UTF-8 BOM', () => {
    const r = parseEntry('a.md', `${BOM}---\ntitle: Bom\ntags: [x]\n---\nbody #y\n`);
    expect(r.frontmatter).toEqual({ title: 'Bom', tags: ['x'] });
    expect(r.title).toBe('Bom');
    expect(r.tags).toEqual(['x', 'y']);
    expect(r.body).toBe('body #y\n');
    expect(r.error).toBeNull();
  });

  it('accepts CRLF line endings, with lines counted right', () => {
    const text = '---\r\ntitle: Crlf\r\ntags: [a, b]\r\ndate: 2024-02-29\r\n---\r\nline five\r\n- [ ] six\r\n#seven\r\n';
    const r = parseEntry('a.md', text);
    expect(r.error).toBeNull();
    expect(r.frontmatter).toEqual({ title: 'Crlf', tags: ['a', 'b'], date: '2024-02-29' });
    expect(r.title).toBe('Crlf');
    expect(r.date).toBe('2024-02-29');
    expect(r.tags).toEqual(['a', 'b', 'seven']);
    expect(r.tasks).toEqual([{ line: 7, text: 'six', done: false, due: null, scheduled: null, doneDate: null, priority: null }]);
    expect(r.body.startsWith('line five')).toBe(true);
    expect(r.wordCount).toBe(7);
  });

  it('reports invalid YAML with its line, and keeps the body', () => {
    const r = parseEntry('a.md', '---\ntitle: x\n  bad: indent\n---\nThe body #stays\n');
    expect(r.error).toMatch(/line 3\b/);
    expect(r.frontmatter).toEqual({});
    expect(r.body).toBe('The body #stays\n');
    expect(r.tags).toEqual(['stays']);
    expect(r.title).toBe('a');
  });

  it('reports invalid YAML on a later line with that line', () => {
    const r = parseEntry('a.md', '---\na: 1\nb: 2\nc: 3\nd: a: b\n---\nbody\n');
    expect(r.error).toMatch(/line 5\b/);
  });

  it('reports invalid YAML with CRLF and a BOM with the file line', () => {
    const r = parseEntry('a.md', `${BOM}---\r\na: 1\r\nb: : :\r\n---\r\nbody\r\n`);
    expect(r.error).toMatch(/line 3\b/);
    expect(r.body).toBe('body\r\n');
  });

  it('reports the same YAML error every time (no cache)', () => {
    const text = '---\ntitle: x\n  bad: indent\n---\nbody\n';
    const first = parseEntry('a.md', text);
    const second = parseEntry('a.md', text);
    expect(first.error).toMatch(/line 3/);
    expect(second.error).toBe(first.error);
    expect(second.body).toBe('body\n');
  });

  it('does not share parsed data between calls', () => {
    const text = fm('title: T\ntags: [a]');
    const first = parseEntry('a.md', text);
    (first.frontmatter as { title: string }).title = 'mutated';
    expect(parseEntry('a.md', text).frontmatter).toEqual({ title: 'T', tags: ['a'] });
  });

  it.each([
    ['a list', '- a\n- b'],
    ['a string', 'just a string'],
    ['a number', '42'],
  ])('is an error when it is %s, and data is {}', (_what, yaml) => {
    const r = parseEntry('a.md', fm(yaml, 'body text\n'));
    expect(r.error).not.toBeNull();
    expect(r.frontmatter).toEqual({});
    expect(r.body).toBe('body text\n');
  });

  it('is an error when the closing fence is missing, and the body is kept', () => {
    const text = '---\ntitle: x\n\n# Real heading\nbody words #tag\n';
    const r = parseEntry('a.md', text);
    expect(r.error).toMatch(/line \d/);
    expect(r.frontmatter).toEqual({});
    expect(r.body).toContain('body words #tag');
    expect(r.tags).toEqual(['tag']);
    expect(r.title).toBe('Real heading');
  });

  it.each(['---js', '---javascript', '--- JS', '---JS', '---JavaScript', '--- js ', '---\tjs'])('never executes a %j fence', (fence) => {
    const r = parseEntry('a.md', `${fence}\n{title: (globalThis.__pwned = true, "pwned")}\n---\nbody\n`);
    expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
    expect(r.error).not.toBeNull();
    expect(r.frontmatter).toEqual({});
    expect(r.title).not.toBe('pwned');
    expect(r.body).toBe('body\n');
  });

  it('never executes a ---js fence that would require a module', () => {
    const r = parseEntry('a.md', '---js\n(function(){ globalThis.__pwned = true; return {title: "x"}; })()\n---\nbody\n');
    expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
    expect(r.error).not.toBeNull();
  });

  it('byte offset of the body counts the BOM and multi-byte characters', () => {
    const text = `${BOM}---\ntitle: é\n---\nbody`;
    const r = parseEntry('a.md', text);
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes.subarray(r.bodyByteOffset).toString('utf8')).toBe('body');
  });
});

describe('a whole entry', () => {
  it('reads everything at once', () => {
    const text = [
      '---',
      'title: Daily note',
      'tags: [journal, Life/Family]',
      'date: 2024-05-06',
      '---',
      '# Not the title',
      '',
      'Met [[Alice|Al]] about [the plan](plans/q3.md). #work',
      '',
      '```',
      '#not-a-tag - [ ] not a task [[not a link]]',
      '```',
      '',
      '- [x] write tests',
      '- [ ] ship',
      '',
    ].join('\n');
    const r = parseEntry('journal/2024-05-06.md', text);
    expect(r).toMatchObject({
      title: 'Daily note',
      date: '2024-05-06',
      frontmatter: { title: 'Daily note', tags: ['journal', 'Life/Family'], date: '2024-05-06' },
      tags: ['journal', 'life', 'life/family', 'work'],
      links: [
        { target: 'Alice', kind: 'wiki' },
        { target: 'plans/q3.md', kind: 'markdown' },
      ],
      tasks: [
        { line: 14, text: 'write tests', done: true },
        { line: 15, text: 'ship', done: false },
      ],
      error: null,
    });
    expect(r.body.startsWith('# Not the title\n')).toBe(true);
  });
});

describe('frontmatter as gray-matter reads it', () => {
  it('keeps a block whose folded scalar ends with a tab-indented blank line (krycho corpus shape)', () => {
    const text = [
      '---',
      'title: Whither Gradual Typing?',
      'summary: >',
      '  Thinking out loud.',
      '',
      'tags:',
      '  - software development',
      'qualifiers:',
      '  audience: >',
      '    Software developers.',
      '\t  ',
      'date: 2023-08-13T09:45:00-0600',
      '---',
      'body',
    ].join('\n');
    const r = parseEntry('a.md', text);
    expect(r.error).toBeNull();
    expect(r.title).toBe('Whither Gradual Typing?');
    expect(r.date).toBe('2023-08-13');
    expect(r.tags).toEqual(['software development']);
    expect(r.frontmatter).toMatchObject({ qualifiers: { audience: 'Software developers.\n' }, date: '2023-08-13T09:45:00-0600' });
    expect(r.warning).toMatch(/^line 11: a tab is used for indentation/);
    expect(r.body).toBe('body');
  });

  it('keeps a block with a {{template}} value, as js-yaml 3 reads it', () => {
    const r = parseEntry('d.md', '---\ntitle: Sympolymathesy\ndate: 2024-02-29\ntags: [site]\nsummary: {{config.description}}\n---\nbody\n');
    expect(r.error).toBeNull();
    expect(r.title).toBe('Sympolymathesy');
    expect(r.date).toBe('2024-02-29');
    expect(r.tags).toEqual(['site']);
    expect(r.frontmatter).toEqual({ title: 'Sympolymathesy', date: '2024-02-29', tags: ['site'], summary: { '[object Object]': null } });
    expect(r.warning).toMatch(/^line 5: a mapping or list is used as a key/);
  });

  it('keeps a key indented with a tab, with a warning', () => {
    const r = parseEntry('b.md', '---\ntitle: T\n\tdate: 2024-01-01\n---\nbody\n');
    expect(r.error).toBeNull();
    expect(r.date).toBe('2024-01-01');
    expect(r.warning).toMatch(/^line 3: a tab/);
  });

  it('accepts tabs after a value and inside block scalar content without a warning', () => {
    const r = parseEntry('c.md', '---\ndate: 2024-01-05\t  \nnote: |\n  a\tb\n  \tindented with a tab after spaces\n---\nbody\n');
    expect(r.error).toBeNull();
    expect(r.warning).toBeNull();
    expect(r.date).toBe('2024-01-05');
  });

  it('still refuses a tab inside a block scalar where js-yaml 3 refuses it, naming the line', () => {
    const r = parseEntry('a.md', '---\ntitle: T\nsummary: >\n  one\n\t\n  two\n---\nbody #kept\n');
    expect(r.error).toMatch(/^invalid YAML frontmatter at line 6, column 3: bad indentation/);
    expect(r.frontmatter).toEqual({});
    expect(r.title).toBe('a');
    expect(r.tags).toEqual(['kept']);
  });

  it('still refuses plain invalid YAML with its line', () => {
    const r = parseEntry('a.md', '---\ntitle: T\ntags: [a, b\ndate: 2024-01-01\n---\nbody\n');
    expect(r.error).toMatch(/^invalid YAML frontmatter at line \d+/);
    expect(r.warning).toBeNull();
    expect(r.frontmatter).toEqual({});
    expect(parseEntry('a.md', '---\na: 1\na: 2\n---\n').error).toMatch(/line 3\b.*duplicated mapping key/);
  });

  it("reads js-yaml's extra types, keeping timestamps and binary as their text", () => {
    const r = parseEntry('a.md', '---\nt: !!timestamp 2024-01-05\nb: !!binary |\n  aGVs\n  bG8=\ns: !!set {a, b}\no: !!omap [a: 1]\np: !!pairs [a: 1]\nm:\n  <<: {x: 1}\n---\n');
    expect(r.error).toBeNull();
    expect(r.frontmatter).toEqual({ t: '2024-01-05', b: 'aGVsbG8=', s: { a: null, b: null }, o: [{ a: 1 }], p: [['a', 1]], m: { x: 1 } });
  });

  it('never builds JavaScript values (!!js/function is an unknown tag)', () => {
    const r = parseEntry('a.md', '---\nf: !!js/function "function () { globalThis.__pwned = true }"\nr: !!js/regexp /x/\n---\nbody\n');
    expect(r.error).toMatch(/line 2, column \d+: unknown tag/);
    expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
  });

  it('keeps an impossible date as text, and never turns it into a date', () => {
    const r = parseEntry('a.md', '---\ndate: 2024-13-45\nday: 2024-02-30\n---\n');
    expect(r.error).toBeNull();
    expect(r.frontmatter).toEqual({ date: '2024-13-45', day: '2024-02-30' });
    expect(r.date).toBeNull();
  });
});

describe('hostile frontmatter', () => {
  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['---', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${new Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const started = Date.now();
    const r = parseEntry('bomb.md', `${lines.join('\n')}\n---\nstill indexed\n`);
    expect(r.error).toMatch(/expands to more than/);
    expect(r.frontmatter).toEqual({});
    expect(r.body).toBe('still indexed\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
