/**
 * SPEC §1, the command line and its environment fallbacks, through `parseCommandLine`.
 * (Exit codes and messages of the real binary: sync-cli.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBytes, parseCommandLine, parseDuration, type Config } from '../src/commands/config.js';
import { StartError, UsageError } from '../src/core/errors.js';
import { cleanup, tmpDir } from './helpers.js';

afterEach(async () => {
  await cleanup.run();
});

function config(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Config {
  const parsed = parseCommandLine(argv, env, cwd);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.config;
}

describe('parseCommandLine', () => {
  it('fills in the defaults', () => {
    const dir = tmpDir();
    const c = config(['sync', dir]);
    expect(c).toMatchObject({
      command: 'sync',
      journal: fs.realpathSync(dir),
      db: path.join(fs.realpathSync(dir), '.inkdex', 'index.sqlite'),
      host: '127.0.0.1',
      port: 4317,
      token: null,
      reconcileEveryMs: 600_000,
      ignore: [],
      maxFileSize: 5 * 1024 * 1024,
      json: false,
      verbose: false,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('uses the current folder when JOURNAL_DIR is left out, and resolves --db against it', () => {
    const dir = tmpDir();
    const c = config(['serve', '--db', 'x/index.sqlite'], {}, dir);
    expect(c.journal).toBe(fs.realpathSync(dir));
    expect(c.db).toBe(path.join(dir, 'x', 'index.sqlite'));
  });

  it('reads the environment fallbacks, and options win over them', () => {
    const dir = tmpDir();
    const env = { INKDEX_DB: '/tmp/env.sqlite', INKDEX_HOST: 'localhost', INKDEX_PORT: '0', INKDEX_TOKEN: 'sekrit' };
    expect(config(['serve', dir], env)).toMatchObject({ db: '/tmp/env.sqlite', host: 'localhost', port: 0, token: 'sekrit' });
    expect(config(['serve', dir, '--db', '/tmp/opt.sqlite', '--host', '127.0.0.2', '--port', '9000', '--token', 't2'], env)).toMatchObject({
      db: '/tmp/opt.sqlite',
      host: '127.0.0.2',
      port: 9000,
      token: 't2',
    });
  });

  it('reads every option', () => {
    const dir = tmpDir();
    const c = config(['sync', dir, '--ignore', 'a/**', '--ignore', '*.tmp.md', '--max-file-size', '1M', '--reconcile-every', '30s', '--json']);
    expect(c).toMatchObject({ ignore: ['a/**', '*.tmp.md'], maxFileSize: 1024 * 1024, reconcileEveryMs: 30_000, json: true });
  });

  it('answers --help and --version', () => {
    expect(parseCommandLine(['--help'], {}, '/')).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-h'], {}, '/')).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'], {}, '/')).toEqual({ kind: 'version' });
    expect(parseCommandLine(['-v'], {}, '/')).toEqual({ kind: 'version' });
  });

  it.each([
    [[]],
    [['frob']],
    [['sync', '.', 'extra']],
    [['sync', '--bogus']],
    [['sync', '--port', 'abc']],
    [['sync', '--port', '65536']],
    [['sync', '--port', '-1']],
    [['sync', '--port']],
    [['sync', '--reconcile-every', 'soon']],
    [['sync', '--max-file-size', '0']],
    [['sync', '--max-file-size', 'big']],
    [['sync', '--ignore', '']],
    [['sync', '--db', '']],
    [['serve', '--json']],
    [['serve', '--host', '0.0.0.0']],
    [['serve', '--host', '192.168.1.5', '--port', '0']],
  ])('%j is bad usage', (argv) => {
    let error: unknown;
    try {
      parseCommandLine(argv, {}, process.cwd());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).not.toContain('\n');
  });

  it('rejects a bad INKDEX_PORT as bad usage', () => {
    expect(() => parseCommandLine(['sync'], { INKDEX_PORT: 'http' }, process.cwd())).toThrow(UsageError);
  });

  it.each([
    [{ INKDEX_PORT: 'abc' }, 'INKDEX_PORT must be a number from 0 to 65535, not "abc"'],
    [{ INKDEX_PORT: '70000' }, 'INKDEX_PORT must be a number from 0 to 65535, not "70000"'],
    [{ INKDEX_PORT: '' }, 'INKDEX_PORT must be a number from 0 to 65535, not ""'],
    [{ INKDEX_HOST: '' }, 'INKDEX_HOST must not be empty'],
    [{ INKDEX_HOST: '  ' }, 'INKDEX_HOST must not be empty'],
    [{ INKDEX_TOKEN: '' }, 'INKDEX_TOKEN must not be empty'],
    [{ INKDEX_DB: '' }, 'INKDEX_DB must not be empty'],
  ])('a bad environment variable %j is bad usage naming the variable', (env, message) => {
    expect(() => parseCommandLine(['serve', tmpDir()], env, process.cwd())).toThrow(new UsageError(message));
  });

  it.each([
    [['--port', 'abc'], '--port must be a number from 0 to 65535, not "abc"'],
    [['--host', ''], '--host must not be empty'],
    [['--token', ''], '--token must not be empty'],
    [['--db', ' '], '--db must not be empty'],
  ])('a bad option %j is bad usage naming the option', (argv, message) => {
    expect(() => parseCommandLine(['serve', tmpDir(), ...argv], {}, process.cwd())).toThrow(new UsageError(message));
  });

  it('an option wins over a bad environment variable', () => {
    expect(config(['serve', tmpDir(), '--port', '9000', '--host', '127.0.0.1', '--token', 't', '--db', '/tmp/x.sqlite'], { INKDEX_PORT: 'abc', INKDEX_HOST: '', INKDEX_TOKEN: '', INKDEX_DB: '' })).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      token: 't',
      db: '/tmp/x.sqlite',
    });
  });

  it('reads --verbose', () => {
    expect(config(['serve', tmpDir(), '--verbose']).verbose).toBe(true);
    expect(config(['serve', tmpDir()]).verbose).toBe(false);
  });

  it('allows a non-loopback host with a token', () => {
    expect(config(['serve', tmpDir(), '--host', '0.0.0.0', '--token', 't']).host).toBe('0.0.0.0');
    expect(config(['serve', tmpDir(), '--host', '0.0.0.0'], { INKDEX_TOKEN: 't' }).token).toBe('t');
  });

  it.each(['localhost', '127.0.0.1', '::1', '[::1]'])('serves on loopback %s without a token', (host) => {
    expect(config(['serve', tmpDir(), '--host', host]).host).toBe(host);
  });

  it('a missing journal folder is a start error naming it', () => {
    const missing = path.join(tmpDir(), 'nope');
    expect(() => parseCommandLine(['sync', missing], {}, '/')).toThrow(StartError);
    expect(() => parseCommandLine(['sync', missing], {}, '/')).toThrow(missing);
  });

  it('a journal that is a file is a start error', () => {
    const file = path.join(tmpDir(), 'file.md');
    fs.writeFileSync(file, 'x');
    expect(() => parseCommandLine(['sync', file], {}, '/')).toThrow(StartError);
  });

  it('resolves a symlinked journal to its real path', () => {
    const real = tmpDir();
    const link = path.join(tmpDir(), 'link');
    fs.symlinkSync(real, link);
    expect(config(['sync', link]).journal).toBe(fs.realpathSync(real));
  });
});

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['45', 45_000],
    ['1.5h', 5_400_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['', 'soon', '-1s', '10 minutes', '1d'])('%j is refused', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
});

describe('parseBytes', () => {
  it.each([
    ['1', 1],
    ['5242880', 5_242_880],
    ['512K', 512 * 1024],
    ['5M', 5 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['2k', 2048],
    ['3MiB', 3 * 1024 ** 2],
  ])('%s → %d', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });
  it.each(['0', '', '-5', '1.5M', 'lots', '5T'])('%j is refused', (text) => {
    expect(() => parseBytes(text)).toThrow(UsageError);
  });
});

describe('mcp and the query verbs', () => {
  it('mcp takes a journal like serve, and refuses the HTTP options', () => {
    const dir = tmpDir();
    expect(config(['mcp', dir])).toMatchObject({ command: 'mcp', journal: fs.realpathSync(dir) });
    expect(config(['mcp', '--journal', dir, '--engine', 'wasm'])).toMatchObject({ command: 'mcp', journal: fs.realpathSync(dir), engine: 'wasm' });
    expect(() => parseCommandLine(['mcp', dir, '--port', '80'], {}, process.cwd())).toThrow(/--port is for inkdex serve/);
    expect(() => parseCommandLine(['mcp', dir, '--json'], {}, process.cwd())).toThrow(UsageError);
    expect(() => parseCommandLine(['mcp', dir, '--journal', dir], {}, process.cwd())).toThrow(/give the journal folder once/);
  });

  it('reads a verb\'s arguments and options, normalised as the index stores them', () => {
    const dir = tmpDir();
    const parsed = parseCommandLine(['list', '--journal', dir, '--tag', '#Work', '--folder', '/people/', '--field', 'status:done', '--field', 'type', '--sort', 'title', '--limit', '5', '--json'], {}, '/');
    expect(parsed).toMatchObject({
      kind: 'query',
      config: {
        command: 'list',
        journal: fs.realpathSync(dir),
        db: path.join(fs.realpathSync(dir), '.inkdex', 'index.sqlite'),
        json: true,
        filters: { tag: 'work', folder: 'people', fields: [{ key: 'status', value: 'done' }, { key: 'type', value: null }] },
        sort: 'title',
        limit: 5,
        offset: 0,
      },
    });
    expect(parseCommandLine(['search', 'big', 'cats', '--from', '2024-01-01'], {}, dir)).toMatchObject({ kind: 'query', config: { subject: 'big cats', filters: { from: '2024-01-01' }, limit: null } });
    expect(parseCommandLine(['tasks', '--open', '--due-before', '2024-02-29'], {}, dir)).toMatchObject({ kind: 'query', config: { status: 'open', dueBefore: '2024-02-29' } });
    expect(parseCommandLine(['tags', '--db', 'x.sqlite'], { INKDEX_DB: '/elsewhere.sqlite' }, dir)).toMatchObject({ kind: 'query', config: { db: path.join(dir, 'x.sqlite') } });
  });

  it.each([
    [['search'], /needs a QUERY/],
    [['show', 'a', 'b'], /takes one PATH or ID/],
    [['tags', 'x'], /unexpected argument "x"/],
    [['show', 'a', '--tag', 'x'], /--tag is not an option of inkdex show/],
    [['list', '--reconcile-every', '1m'], /--reconcile-every is not an option of inkdex list/],
    [['tasks', '--due-before', 'friday'], /--due-before must be a date/],
    [['search', 'x', '--offset', '-1'], /--offset must be a whole number|argument/],
    [['serve', '--open'], /--open is for the query verbs/],
  ])('%j is bad usage', (argv, message) => {
    expect(() => parseCommandLine(argv, {}, tmpDir())).toThrow(message);
    expect(() => parseCommandLine(argv, {}, tmpDir())).toThrow(UsageError);
  });
});
