/**
 * The lock's hand-over (index/lock.ts, SPEC §5.1): a waiting process asks a holder named
 * `inkdex mcp` to let go and gets the lock; any other holder is refused at once, as
 * before; while the request stands, a polling reader does not take the lock; the lock
 * file is never seen empty.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LockedError } from '../src/core/errors.js';
import { acquireLock, acquireLockHandedOver, lockLooksFree } from '../src/index/lock.js';
import { cleanup, REPO_ROOT, tmpDir, waitFor } from './helpers.js';

afterEach(async () => {
  await cleanup.run();
});

const LOCK_JS = pathToFileURL(path.join(REPO_ROOT, 'dist', 'src', 'index', 'lock.js')).href;

/** A process holding the lock of `db` as `command`; it lets go `releaseAfterMs` after SIGUSR2 (never if null). */
function holder(db: string, command: string, releaseAfterMs: number | null): Promise<{ pid: number; signals(): number }> {
  const script = `
    import { acquireLock } from ${JSON.stringify(LOCK_JS)};
    const release = acquireLock(${JSON.stringify(db)}, ${JSON.stringify(command)});
    process.stdout.write('held\\n');
    process.on('SIGUSR2', () => {
      process.stdout.write('asked\\n');
      ${releaseAfterMs === null ? '' : `setTimeout(release, ${releaseAfterMs});`}
    });
    setTimeout(() => {}, 60000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.add(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return waitFor(() => out.includes('held'), { timeoutMs: 10_000, message: 'the holder to take the lock' }).then(() => ({
    pid: child.pid!,
    signals: () => out.split('\n').filter((l) => l === 'asked').length,
  }));
}

describe('acquireLockHandedOver', () => {
  it('asks a holding inkdex mcp to let go and takes the lock; the request file is gone after', async () => {
    const db = path.join(tmpDir(), 'index.sqlite');
    const mcp = await holder(db, 'inkdex mcp', 200);
    expect(lockLooksFree(db)).toBe(false);
    const started = Date.now();
    const waiting = acquireLockHandedOver(db, 'inkdex serve', ['inkdex mcp'], 3000);
    await waitFor(() => fs.existsSync(`${db}.lock.handover`), { timeoutMs: 2000, intervalMs: 5, message: 'the hand-over request' });
    const release = await waiting;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(mcp.signals()).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(fs.readFileSync(`${db}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, command: 'inkdex serve' });
    expect(fs.existsSync(`${db}.lock.handover`)).toBe(false);
    expect(fs.readdirSync(path.dirname(db)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    release();
  });

  it('refuses at once when the holder is not one that hands over (a serve, a sync)', async () => {
    const db = path.join(tmpDir(), 'index.sqlite');
    const serve = await holder(db, 'inkdex serve', 0);
    const started = Date.now();
    await expect(acquireLockHandedOver(db, 'inkdex serve', ['inkdex mcp'], 3000)).rejects.toThrow(/locked by inkdex process \d+ .*inkdex serve/);
    expect(Date.now() - started).toBeLessThan(500);
    expect(serve.signals()).toBe(0);
  });

  it('gives up after the wait when the holder does not let go, still refusing', async () => {
    const db = path.join(tmpDir(), 'index.sqlite');
    await holder(db, 'inkdex mcp', null);
    const err = await acquireLockHandedOver(db, 'inkdex serve', ['inkdex mcp'], 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toMatch(/asked it to hand the index over: it did not within 300 ms/);
    expect(fs.existsSync(`${db}.lock.handover`)).toBe(false);
  });
});

describe('lockLooksFree', () => {
  it('is true for no lock or a dead holder, false while a live process waits for a hand-over', () => {
    const db = path.join(tmpDir(), 'index.sqlite');
    expect(lockLooksFree(db)).toBe(true);
    fs.writeFileSync(`${db}.lock`, JSON.stringify({ pid: 999_999_999, host: 'x', command: 'inkdex serve', since: 'then' }));
    // A lock from another host is respected (it cannot be checked).
    expect(lockLooksFree(db)).toBe(false);
    fs.rmSync(`${db}.lock`);
    const release = acquireLock(db, 'inkdex sync');
    release();
    expect(lockLooksFree(db)).toBe(true);
    fs.writeFileSync(`${db}.lock.handover`, `${process.ppid}\n`);
    expect(lockLooksFree(db)).toBe(false);
    fs.writeFileSync(`${db}.lock.handover`, '999999999\n');
    expect(lockLooksFree(db)).toBe(true);
  });
});
