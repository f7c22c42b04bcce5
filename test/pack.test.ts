/**
 * inkdex installs as a command: `npm pack` → `npm install -g --prefix P ./inkdex-*.tgz`
 * → `P/bin/inkdex` works (version, a sync, the status page, `inkdex mcp` and the query
 * verbs), and the package holds the built program and the page but no tests or sources.
 *
 * The install skips install scripts: better-sqlite3 (an optional dependency) would
 * otherwise compile from source for minutes here, and `--omit=optional` alone does not
 * stop it for a global install of a tarball (npm/cli#8284). Without its build the native
 * engine cannot load, so this also exercises the portable fallback.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, REPO_ROOT, tmpDir, waitFor } from './helpers.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs: number }): Promise<Ran> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    // When the suite runs under `npm test`, the parent npm's settings must not leak into these calls.
    for (const k of Object.keys(env)) if (/^npm_config_(global|prefix|location|dry_run)$/i.test(k)) delete env[k];
    execFile(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
};

describe('the npm package', { timeout: 200_000 }, () => {
  let prefix = '';
  let packed: Array<{ path: string }> = [];
  let installed: Ran;

  beforeAll(async () => {
    const dir = tmpDir('inkdex-pack-');
    prefix = path.join(dir, 'prefix');
    // dist/ is already built for the tests; packing without the prepack build keeps this
    // test from rewriting dist/ under the other test files running beside it.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { timeoutMs: 60_000 });
    expect(pack.code, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packed = info!.files;
    const tarball = path.join(dir, path.basename(info!.filename));
    installed = await run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--omit=optional', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { cwd: dir, timeoutMs: 180_000 },
    );
  }, 200_000);

  afterAll(() => cleanup.run());

  it('builds afresh before packing (no stale modules of removed sources)', () => {
    expect(pkg.scripts.prepack).toMatch(/rmSync\('dist\/src'.*&& npm run build$/);
    expect(pkg.scripts.build).toMatch(/\btsc\b/);
  });

  it('holds the built program and the page, not the tests or the sources', () => {
    const files = packed.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', pkg.bin.inkdex!.replace(/^\.\//, ''), 'dist/src/cli.js', 'web/index.html', 'web/app.js']));
    expect(files.filter((f) => /^(test|bench|src|sample-journal|docs)\/|^dist\/(test|bench)\/|\.test\.|\.ts$/.test(f))).toEqual([]);
  });

  it('installs globally into a prefix as a working `inkdex` command', async () => {
    expect(installed.code, installed.stderr).toBe(0);
    const bin = path.join(prefix, 'bin', 'inkdex');
    const version = await run(bin, ['--version'], { timeoutMs: 30_000 });
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    const journal = tmpDir('inkdex-pack-journal-');
    fs.writeFileSync(path.join(journal, '2024-01-05.md'), '---\ntitle: Installed\n---\nhello #pack\n');
    const sync = await run(bin, ['sync', journal, '--json'], { timeoutMs: 60_000 });
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ status: 'succeeded', added: 1 });
  });

  it('serves the status page from the installed copy', async () => {
    const bin = path.join(prefix, 'bin', 'inkdex');
    const journal = tmpDir('inkdex-pack-journal-');
    const child = execFile(bin, ['serve', journal, '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
    cleanup.add(() => void child.kill('SIGKILL'));
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await waitFor(() => /http:\/\/\S+\//.exec(stdout)?.[0] ?? null, { timeoutMs: 30_000, message: 'the installed serve to print its URL' });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('answers as an MCP server over stdio, and on the command line, from the installed copy', async () => {
    const bin = path.join(prefix, 'bin', 'inkdex');
    const journal = tmpDir('inkdex-pack-journal-');
    fs.writeFileSync(path.join(journal, 'note.md'), '# Installed\nhello from the package\n');
    const client = new Client({ name: 'pack-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: bin, args: ['mcp', journal], stderr: 'ignore' }));
    try {
      await waitFor(async () => ((await client.callTool({ name: 'search', arguments: { query: 'hello' } })).structuredContent as { total: number }).total === 1, {
        timeoutMs: 30_000,
        message: 'the installed mcp to index and find the note',
      });
    } finally {
      await client.close();
    }
    const search = await run(bin, ['search', 'hello', '--journal', journal, '--json'], { timeoutMs: 30_000 });
    expect(search.code, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout)).toMatchObject({ total: 1, hits: [{ path: 'note.md' }] });
  });
});
