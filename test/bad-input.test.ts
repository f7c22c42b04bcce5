/**
 * The bad-input corpus (issue 11): files and names a journal folder can hold that a
 * careless indexer chokes on, built here in a temp folder (never committed). Each is
 * recorded as SPEC §3 says — an entry (with `error` when its frontmatter cannot be read)
 * or a `file_errors` row — none crashes or hangs `inkdex sync`, and nothing indexed
 * earlier is lost: the journal is indexed with good versions first, then the bad
 * versions replace them, then the good ones come back. Read with Python's sqlite3.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, CLI, execSql, makeJournal, parseJsonLine, queryBatch, runCli, tmpDir, waitFor, writeFile, type SyncSummary } from './helpers.js';

type Summary = SyncSummary;

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
/** Root reads anything: permission cases need the CLI to run as another user. */
const canSwitchUser = isRoot && spawnSync(process.execPath, [CLI, '--version'], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' }).status === 0;
const canTestPermissions = !isRoot || canSwitchUser;
const asUser = canSwitchUser ? { uid: NOBODY, gid: NOBODY } : {};
const canMkfifo = spawnSync('mkfifo', ['--version'], { stdio: 'ignore' }).status === 0;

/** A whole sync of the corpus must finish within this (it takes a few seconds). */
const SYNC_TIMEOUT_MS = 90_000;

afterEach(async () => {
  await cleanup.run();
});

/** What SPEC §3 says the index holds for a file once its bad version is on disk. */
type Expect =
  /** Indexed as it is now, no error. */
  | { kind: 'ok'; title?: string; length?: number }
  /** Indexed as it is now (body searchable), `entries.error` set and a matching row. */
  | { kind: 'frontmatter'; error?: RegExp }
  /** Indexed as it is now; an error is allowed (e.g. too deep to parse) but then has its row. */
  | { kind: 'either' }
  /** Not readable as text: a row; the version indexed earlier (if any) stays as it was. */
  | { kind: 'row'; error: RegExp; rowPath?: string }
  /** Not an indexable file (not a regular file, a symlink): no entry, no row. */
  | { kind: 'absent' };

interface Case {
  /** Relative path (as spelled on disk). */
  path: string;
  /** The bad version (bytes or text), or a function that makes it (FIFOs, symlinks). */
  bad: string | Buffer | ((abs: string) => void);
  expect: Expect;
  /** Indexed first when set; restored at the end (fixing a file clears its row). */
  good?: string;
  /** A word only the bad version's body has, to find it with full-text search. */
  word?: string;
  /** Needs a non-root CLI (permissions). */
  permissions?: boolean;
}

const MiB = 1024 * 1024;

function good(name: string): string {
  return `# Good ${name}\ngoodversion words for ${name.replace(/[^a-z0-9]/gi, '')}\n`;
}

/** YAML whose aliases expand exponentially ("billion laughs"): 9^9 values as JSON. */
function aliasBomb(): string {
  const lines = ['---', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1]!;
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  lines.push('---', 'bombbody survives', '');
  return lines.join('\n');
}

function corpus(markers: string): Case[] {
  const marker = (name: string): string => JSON.stringify(path.join(markers, name));
  const js = (name: string): string => `{ title: (require('fs').writeFileSync(${marker(name)}, 'pwned'), 'pwned') }`;
  const cases: Case[] = [];
  const add = (c: Case): void => void cases.push(c);
  const fm = (p: string, bad: string, word: string, error?: RegExp): void =>
    add({ path: p, good: good(p), bad: `${bad}${word} in the body\n`, word, expect: { kind: 'frontmatter', ...(error ? { error } : {}) } });

  // Invalid YAML of several kinds, and frontmatter that is not a mapping.
  fm('yaml/bad-indent.md', '---\ntitle: x\n  bad: indent\n---\n', 'badindentword', /line 3/);
  fm('yaml/unclosed-bracket.md', '---\ntags: [a, b\n---\n', 'unclosedbracketword', /line/);
  fm('yaml/unclosed-quote.md', '---\ntitle: "abc\n---\n', 'unclosedquoteword');
  // Read by gray-matter's own js-yaml (so by the tool that wrote it): kept, no error (issue 12).
  add({ path: 'yaml/tab-indent.md', good: good('yaml/tab-indent.md'), bad: '---\nkey:\n\tsub: 1\n---\ntabindentword in the body\n', word: 'tabindentword', expect: { kind: 'ok' } });
  fm('yaml/unknown-alias.md', '---\na: *nope\n---\n', 'unknownaliasword');
  add({ path: 'yaml/mapping-key.md', good: good('yaml/mapping-key.md'), bad: '---\nsummary: {{template}}\n---\nmappingkeyword in the body\n', word: 'mappingkeyword', expect: { kind: 'ok' } });
  fm('yaml/duplicate-keys.md', '---\ntitle: a\ntitle: b\n---\n', 'duplicatekeysword', /duplicat/);
  fm('yaml/list.md', '---\n- a\n- b\n---\n', 'listfrontword', /list/);
  fm('yaml/scalar.md', '---\njust a string\n---\n', 'scalarfrontword', /not a key: value/);
  fm('yaml/number.md', '---\n42\n---\n', 'numberfrontword', /not a key: value/);
  fm('yaml/bad-escape.md', '---\ntitle: "\\q"\n---\n', 'badescapeword');
  add({ path: 'yaml/control-char.md', good: good('control'), bad: '---\ntitle: "a\u0007b"\n---\ncontrolcharword\n', word: 'controlcharword', expect: { kind: 'either' } });
  fm('yaml/alias-bomb.md', aliasBomb().replace('bombbody survives\n', ''), 'aliasbombword', /expands/);
  add({
    path: 'yaml/missing-closing-fence.md',
    good: good('missing'),
    bad: '---\ntitle: x\nmissingfenceword and no closing line\n',
    word: 'missingfenceword',
    expect: { kind: 'frontmatter', error: /no closing/ },
  });
  // 10,000-deep nesting: parsed, or refused with an error — never a crash.
  add({ path: 'yaml/deep-flow.md', good: good('deep'), bad: `---\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n---\ndeepflowword\n`, word: 'deepflowword', expect: { kind: 'either' } });
  add({
    path: 'yaml/deep-block.md',
    good: good('deepblock'),
    bad: `---\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} end\n---\ndeepblockword\n`,
    word: 'deepblockword',
    expect: { kind: 'either' },
  });
  add({ path: 'body/deep-brackets.md', good: good('brackets'), bad: `${'['.repeat(10_000)}deepbracketword${']'.repeat(10_000)}\n${'> '.repeat(5000)}quoted\n`, word: 'deepbracketword', expect: { kind: 'ok' } });

  // Executable frontmatter must never run.
  fm('js/js.md', `---js\n${js('js')}\n---\n`, 'jsfenceword', /executable|only YAML/);
  fm('js/javascript.md', `---javascript\n${js('javascript')}\n---\n`, 'javascriptfenceword', /executable|only YAML/);
  fm('js/upper.md', `--- JS\n${js('upper')}\n---\n`, 'upperjsword');
  fm('js/coffee.md', `---coffee\ntitle: x\n---\n`, 'coffeefenceword');

  // Encodings and line endings.
  add({ path: 'enc/bom.md', good: good('bom'), bad: '\ufeff---\ntitle: Bom title\n---\nbomword\n', word: 'bomword', expect: { kind: 'ok', title: 'Bom title' } });
  add({ path: 'enc/crlf.md', good: good('crlf'), bad: '---\r\ntitle: Crlf title\r\n---\r\ncrlfword\r\n- [ ] task\r\n', word: 'crlfword', expect: { kind: 'ok', title: 'Crlf title' } });
  add({ path: 'enc/bom-crlf.md', good: good('bomcrlf'), bad: '\ufeff---\r\ntitle: Both\r\n---\r\nbomcrlfword\r\n', word: 'bomcrlfword', expect: { kind: 'ok', title: 'Both' } });
  add({ path: 'enc/cr-only.md', good: good('cr'), bad: '---\rtitle: x\r---\rcronlyword\r', word: 'cronlyword', expect: { kind: 'ok' } });
  add({ path: 'enc/nul-bytes.md', good: good('nul'), bad: 'before\0nulbyteword\0after\n', expect: { kind: 'ok' } });
  add({ path: 'enc/invalid-utf8.md', good: good('invalid'), bad: Buffer.from([0x23, 0x20, 0xc3, 0x28, 0xa0, 0xa1, 0xff, 0x0a]), expect: { kind: 'row', error: /UTF-8/ } });
  add({ path: 'enc/latin1.md', good: good('latin1'), bad: Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'), expect: { kind: 'row', error: /UTF-8/ } });
  add({ path: 'enc/overlong.md', good: good('overlong'), bad: Buffer.from([0xc0, 0xaf, 0x0a]), expect: { kind: 'row', error: /UTF-8/ } });
  add({ path: 'enc/surrogate.md', good: good('surrogate'), bad: Buffer.from([0xed, 0xa0, 0x80, 0x0a]), expect: { kind: 'row', error: /UTF-8/ } });
  add({ path: 'enc/utf16le-bom.md', good: good('utf16le'), bad: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# UTF-16\nwords\n', 'utf16le')]), expect: { kind: 'row', error: /UTF-8/ } });
  add({ path: 'enc/utf16be-bom.md', good: good('utf16be'), bad: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('# UTF-16\nwords\n', 'utf16le').swap16()]), expect: { kind: 'row', error: /UTF-8/ } });
  add({ path: 'enc/truncated-utf8.md', good: good('truncated'), bad: Buffer.concat([Buffer.from('caf'), Buffer.from([0xc3])]), expect: { kind: 'row', error: /UTF-8/ } });

  // Shapes and sizes.
  add({ path: 'size/empty.md', good: good('empty'), bad: '', expect: { kind: 'ok', title: 'empty', length: 0 } });
  add({ path: 'size/frontmatter-only.md', good: good('fmonly'), bad: '---\ntitle: Only frontmatter\n---\n', expect: { kind: 'ok', title: 'Only frontmatter', length: 0 } });
  add({ path: 'size/frontmatter-only-no-eol.md', good: good('fmonlynoeol'), bad: '---\ntitle: No EOL\n---', expect: { kind: 'ok', title: 'No EOL' } });
  add({ path: 'size/empty-frontmatter.md', good: good('emptyfm'), bad: '---\n---\nemptyfmword\n', word: 'emptyfmword', expect: { kind: 'ok' } });
  add({ path: 'size/only-dashes.md', good: good('dashes'), bad: '---\n', expect: { kind: 'either' } });
  add({ path: 'size/whitespace.md', good: good('whitespace'), bad: ' \n\t\n\n', expect: { kind: 'ok' } });
  const oneMb = `# One MB\n${'onembword '.repeat(MiB / 10)}\nonembtailword\n`;
  add({ path: 'size/1mb.md', good: good('1mb'), bad: oneMb, word: 'onembtailword', expect: { kind: 'ok', length: oneMb.length } });
  const fiveMb = `fivembheadword\n${'x'.repeat(84)}\n`.repeat(50_000); // 5,000,000 bytes: under 5 MiB
  add({ path: 'size/5mb.md', good: good('5mb'), bad: fiveMb, word: 'fivembheadword', expect: { kind: 'ok', length: fiveMb.length } });
  add({ path: 'size/over-limit.md', good: good('over'), bad: 'y'.repeat(5 * MiB + 1), expect: { kind: 'row', error: /max-file-size/ } });
  const lines = Array.from({ length: 10_000 }, (_, i) => `- [${i % 2 ? 'x' : ' '}] task ${i} #t${i % 50} [[n${i % 100}]]`).join('\n') + '\ntenthousandlinesword\n';
  add({ path: 'size/10000-lines.md', good: good('lines'), bad: lines, word: 'tenthousandlinesword', expect: { kind: 'ok' } });
  const longLine = `${'longlineword'.padEnd(20, ' ')}${'z'.repeat(MiB)}\n`;
  add({ path: 'size/long-line.md', good: good('long'), bad: longLine, word: 'longlineword', expect: { kind: 'ok', length: longLine.length } });
  add({ path: 'size/many-tags.md', good: good('tags'), bad: Array.from({ length: 5000 }, (_, i) => `#tag${i}/a/b`).join(' ') + '\nmanytagsword\n', word: 'manytagsword', expect: { kind: 'ok' } });

  // Names (new files only: a new name is a new path).
  const names = [
    'names/Cafe\u0301 decomposed.md',
    'names/with  spaces and\ttab.md',
    'names/it\'s "quoted".md',
    'names/new\nline.md',
    'names/back\\slash.md',
    'names/-leading-dash.md',
    'names/#hash#name.md',
    'names/📷 photo.md',
    'names/percent %41 name.md',
    'names/question?star*.md',
    'names/UPPER.MARKDOWN',
    `names/${'long'.repeat(60)}.md`,
  ];
  names.forEach((p, i) => add({ path: p, bad: `name case ${i} namecase${i}word\n`, word: `namecase${i}word`, expect: { kind: 'ok' } }));
  // Not valid UTF-8 (made as bytes below) and NFC twins: a row each.
  add({ path: 'names/bad\uFFFDname.md', bad: 'invalid name\n', expect: { kind: 'row', error: /not valid UTF-8/ } });
  add({ path: 'names/twin-caf\u00e9.md', bad: 'composed twin\n', expect: { kind: 'ok' } });
  add({ path: 'names/twin-cafe\u0301.md', bad: 'decomposed twin\n', expect: { kind: 'row', error: /equal after Unicode normalisation/, rowPath: 'names/twin-cafe\u0301.md' } });
  // A folder named like a markdown file: its file is indexed, the folder is not a file.
  add({ path: 'names/folder.md/inner.md', bad: 'innerfolderword\n', word: 'innerfolderword', expect: { kind: 'ok' } });

  // Not regular files: never read (no hang), never indexed.
  if (canMkfifo) add({ path: 'special/x.md', bad: (abs) => void spawnSync('mkfifo', [abs]), expect: { kind: 'absent' } });
  add({ path: 'special/loop.md', bad: (abs) => fs.symlinkSync('loop.md', abs), expect: { kind: 'absent' } });
  add({ path: 'special/loop-a.md', bad: (abs) => fs.symlinkSync('loop-b.md', abs), expect: { kind: 'absent' } });
  add({ path: 'special/loop-b.md', bad: (abs) => fs.symlinkSync('loop-a.md', abs), expect: { kind: 'absent' } });
  add({ path: 'special/loopdir', bad: (abs) => fs.symlinkSync('.', abs), expect: { kind: 'absent' } });
  add({ path: 'special/zero.md', bad: (abs) => fs.symlinkSync('/dev/zero', abs), expect: { kind: 'absent' } });
  add({ path: 'special/urandom.md', bad: (abs) => fs.symlinkSync('/dev/urandom', abs), expect: { kind: 'absent' } });
  add({ path: 'special/dangling.md', bad: (abs) => fs.symlinkSync('/nonexistent/nowhere.md', abs), expect: { kind: 'absent' } });

  // Permissions (the CLI runs as `nobody` when the suite is root).
  add({ path: 'perm/secret.md', good: good('secret'), bad: (abs) => fs.chmodSync(abs, 0o000), expect: { kind: 'row', error: /permission denied/ }, permissions: true });
  add({ path: 'perm/locked/a.md', good: good('lockeda'), bad: () => undefined, expect: { kind: 'row', error: /folder cannot be read.*permission/, rowPath: 'perm/locked' }, permissions: true });
  add({ path: 'perm/unsearchable/b.md', good: good('unsearchb'), bad: () => undefined, expect: { kind: 'row', error: /permission denied/ }, permissions: true });
  return cases.filter((c) => !c.permissions || canTestPermissions);
}

/** Writes one case's bad version (file names not valid UTF-8 are made as bytes). */
function writeBad(journal: string, c: Case): void {
  const abs = path.join(journal, c.path);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  if (typeof c.bad === 'function') return c.bad(abs);
  if (c.path.includes('\uFFFD')) {
    const [before, after] = abs.split('\uFFFD');
    fs.writeFileSync(Buffer.concat([Buffer.from(before!), Buffer.from([0xff]), Buffer.from(after!)]), c.bad);
    return;
  }
  fs.writeFileSync(abs, c.bad);
}

interface EntryRow {
  id: number;
  path: string;
  title: string;
  error: string | null;
  frontmatter: string;
  len: number;
  content_hash: string;
}

function readIndex(db: string, words: string[]): { entries: Map<string, EntryRow>; errors: Map<string, string>; fts: Map<string, string[]> } {
  const queries: Record<string, readonly [string, unknown[]] | string> = {
    entries: 'SELECT id, path, title, error, frontmatter, length(CAST(body AS BLOB)) AS len, content_hash FROM entries',
    errors: 'SELECT path, message FROM file_errors',
  };
  words.forEach((w, i) => (queries[`w${i}`] = ['SELECT e.path FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid WHERE entries_fts MATCH ?', [w]]));
  const r = queryBatch(db, queries);
  return {
    entries: new Map((r.entries as unknown as EntryRow[]).map((e) => [e.path, e])),
    errors: new Map(r.errors!.map((e) => [e.path as string, e.message as string])),
    fts: new Map(words.map((w, i) => [w, r[`w${i}`]!.map((row) => row.path as string)])),
  };
}

async function syncOk(journal: string): Promise<Summary> {
  const started = Date.now();
  const r = await runCli(['sync', journal, '--json'], { timeoutMs: SYNC_TIMEOUT_MS, ...asUser });
  expect(r.signal, `inkdex sync hung or crashed (${Date.now() - started} ms):\n${r.stderr}`).toBeNull();
  expect(r.code, `inkdex sync failed:\n${r.stderr}`).toBe(0);
  const s = parseJsonLine<Summary>(r.stdout);
  expect(s.status).toBe('succeeded');
  return s;
}

const nfc = (p: string): string => p.normalize('NFC');

describe('the bad-input corpus', () => {
  it(
    'every bad input is an entry or a file_errors row, nothing hangs, nothing indexed earlier is lost',
    async () => {
      if (!canTestPermissions) console.warn('bad-input: permission cases skipped (root, and cannot run the CLI as nobody)');
      if (!canMkfifo) console.warn('bad-input: FIFO case skipped (no mkfifo)');
      const markers = tmpDir('inkdex-marker-');
      const cases = corpus(markers);
      const outside = makeJournal({ 'secret.md': 'outsidesecretword\n' }, 'inkdex-outside-');
      const journal = makeJournal({ 'anchor.md': '# Anchor\nanchorword\n' });
      const db = path.join(journal, '.inkdex', 'index.sqlite');
      fs.symlinkSync(path.join(outside, 'secret.md'), path.join(journal, 'out.md'));
      fs.symlinkSync(outside, path.join(journal, 'outdir'));

      // 1. The good versions.
      for (const c of cases) if (c.good !== undefined) writeFile(journal, c.path, c.good);
      if (canSwitchUser) {
        chownAll(journal);
        chownAll(markers); // were ---js run, it could write its marker
      }
      const withGood = cases.filter((c) => c.good !== undefined);
      const first = await syncOk(journal);
      expect(first).toMatchObject({ added: withGood.length + 1, errors: 0 });
      const before = readIndex(db, []).entries;

      // 2. The bad versions.
      for (const c of cases) writeBad(journal, c);
      if (canTestPermissions) {
        fs.chmodSync(path.join(journal, 'perm', 'locked'), 0o000);
        fs.chmodSync(path.join(journal, 'perm', 'unsearchable'), 0o644);
      }
      if (canSwitchUser) chownAll(journal);
      let second: Summary;
      const started = Date.now();
      try {
        second = await syncOk(journal);
      } finally {
        if (canTestPermissions) restorePermissions(journal);
      }
      const secondMs = Date.now() - started;
      const words = cases.flatMap((c) => (c.word ? [c.word] : []));
      const x = readIndex(db, [...words, 'outsidesecretword', 'goodversion']);
      const failures: string[] = [];
      if (process.env.BAD_INPUT_DUMP) console.info([...x.errors].map(([p, m]) => `${JSON.stringify(p)}: ${m}`).join('\n'));
      const check = (ok: boolean, what: string): void => void (ok || failures.push(what));

      for (const c of cases) {
        const key = nfc(c.path);
        const entry = x.entries.get(key);
        const row = x.errors.get(c.expect.kind === 'row' && c.expect.rowPath !== undefined ? c.expect.rowPath : key);
        const was = before.get(key);
        const at = `${JSON.stringify(c.path)} (${c.expect.kind})`;
        switch (c.expect.kind) {
          case 'ok':
            check(entry !== undefined && entry.error === null, `${at}: indexed without error: ${JSON.stringify(entry)}`);
            check(x.errors.get(key) === undefined, `${at}: no file_errors row, got ${x.errors.get(key)}`);
            if (c.expect.title !== undefined) check(entry?.title === c.expect.title, `${at}: title ${entry?.title}`);
            if (c.expect.length !== undefined) check(entry?.len === c.expect.length, `${at}: body length ${entry?.len}, expected ${c.expect.length}`);
            break;
          case 'frontmatter':
            check(entry !== undefined && entry.error !== null && entry.frontmatter === '{}', `${at}: indexed with an error: ${JSON.stringify(entry)}`);
            check(row !== undefined && row === entry?.error, `${at}: its row says the entry's error: ${row}`);
            if (c.expect.error) check(c.expect.error.test(entry?.error ?? ''), `${at}: error ${entry?.error} should match ${c.expect.error}`);
            check(entry?.title !== 'pwned', `${at}: never evaluated`);
            break;
          case 'either':
            check(entry !== undefined, `${at}: indexed`);
            if (entry?.error) check(row === entry.error, `${at}: the entry's error has its row`);
            break;
          case 'row':
            check(row !== undefined && c.expect.error.test(row), `${at}: a row matching ${c.expect.error}, got ${row}`);
            if (c.good !== undefined) {
              // The version indexed earlier stays, untouched (same id, same bytes).
              check(entry !== undefined && entry.id === was?.id && entry.content_hash === was?.content_hash, `${at}: earlier version kept: ${JSON.stringify(entry)}`);
            } else if (c.expect.rowPath === undefined) {
              check(entry === undefined, `${at}: no entry of its own`);
            }
            break;
          case 'absent':
            check(entry === undefined, `${at}: not indexed`);
            check(x.errors.get(key) === undefined, `${at}: no row`);
            break;
        }
        if (c.word) {
          const found = x.fts.get(c.word) ?? [];
          if (c.expect.kind === 'row') check(found.length === 0, `${at}: its unreadable text is not searchable`);
          else check(found.length === 1 && found[0] === key, `${at}: ${c.word} finds it by full-text search, got ${JSON.stringify(found)}`);
        }
      }
      check(fs.readdirSync(markers).length === 0, `executable frontmatter ran: ${fs.readdirSync(markers).join(', ')}`);
      check(x.fts.get('outsidesecretword')!.length === 0 && !x.entries.has('out.md'), 'nothing is read through a symlink out of the journal');
      check(x.entries.has('anchor.md'), 'an untouched file stays');
      // Every entry indexed earlier is still there (none of the bad versions deletes a file).
      for (const p of before.keys()) check(x.entries.has(p), `${p}: indexed earlier, still there`);
      expect(failures, failures.join('\n')).toEqual([]);
      const rowCases = cases.filter((c) => c.expect.kind === 'row');
      expect(second.errors).toBeGreaterThanOrEqual(rowCases.length);
      execSql(db, "INSERT INTO entries_fts(entries_fts) VALUES ('integrity-check')");

      // 3. The good versions back: every replaced file is indexed clean, its row gone.
      for (const c of cases) {
        if (c.good === undefined) continue;
        const abs = path.join(journal, c.path);
        fs.rmSync(abs, { force: true });
        writeFile(journal, c.path, c.good);
      }
      if (canSwitchUser) chownAll(journal);
      await syncOk(journal);
      const y = readIndex(db, []);
      for (const c of withGood) {
        const key = nfc(c.path);
        const entry = y.entries.get(key);
        check(entry !== undefined && entry.error === null && entry.id === before.get(key)?.id, `${c.path}: fixed, same id, no error: ${JSON.stringify(entry)}`);
        check(!y.errors.has(key), `${c.path}: fixed, its row gone: ${y.errors.get(key)}`);
      }
      const left = [...y.errors.keys()].sort();
      check(
        JSON.stringify(left) === JSON.stringify(['names/bad\uFFFDname.md', 'names/twin-cafe\u0301.md']),
        `only the bad names keep a row: ${JSON.stringify(left)}`,
      );
      expect(failures, failures.join('\n')).toEqual([]);
      execSql(db, "INSERT INTO entries_fts(entries_fts) VALUES ('integrity-check')");
      console.info(`bad-input: ${cases.length} inputs; the sync of the bad versions took ${secondMs} ms (${second.scanned} scanned, ${second.errors} errors, ${x.errors.size} file_errors rows)`);
    },
    240_000,
  );

  it('a folder deleted while sync runs: exit 0, then the index equals the folder', { timeout: 120_000 }, async () => {
    const files: Record<string, string> = { 'stay.md': 'stayword\n' };
    for (let i = 0; i < 3000; i++) files[`vanish/d${i % 60}/n${i}.md`] = `# ${i}\nvanishword ${i}\n`;
    const journal = makeJournal(files);
    const db = path.join(journal, '.inkdex', 'index.sqlite');
    const cli = spawn(process.execPath, [CLI, 'sync', journal, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    cli.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
    cleanup.add(() => void cli.kill('SIGKILL'));
    // As soon as the sync holds its lock (it lists the folder next), delete the folder
    // from another process: some runs catch the walk, some the reads; both must hold.
    await waitFor(() => fs.existsSync(`${db}.lock`) || cli.exitCode !== null, { intervalMs: 2, timeoutMs: 30_000, message: 'the sync to start' });
    const rm = spawnSync('rm', ['-rf', path.join(journal, 'vanish')], { timeout: 30_000 });
    expect(rm.status).toBe(0);
    const timer = setTimeout(() => cli.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    expect(parseJsonLine<Summary>(stdout).status).toBe('succeeded');
    // Whatever that run saw, the next one makes the index equal the folder.
    const r = await runCli(['sync', journal, '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const x = queryBatch(db, { paths: 'SELECT path FROM entries ORDER BY path', errors: 'SELECT path FROM file_errors' });
    expect(x.paths).toEqual([{ path: 'stay.md' }]);
    expect(x.errors).toEqual([]);
    execSql(db, "INSERT INTO entries_fts(entries_fts) VALUES ('integrity-check')");
  });
});

function restorePermissions(journal: string): void {
  for (const p of ['perm/locked', 'perm/unsearchable']) fs.chmodSync(path.join(journal, p), 0o755);
  const secret = path.join(journal, 'perm', 'secret.md');
  if (fs.existsSync(secret)) fs.chmodSync(secret, 0o644);
}

/** Gives a folder and all in it to `nobody`, symlinks themselves included, whatever the names' bytes. */
function chownAll(dir: string): void {
  const r = spawnSync('chown', ['-R', '-h', `${NOBODY}:${NOBODY}`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown -R ${dir} failed: ${r.stderr}`);
}
