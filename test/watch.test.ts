/**
 * src/watch.ts in-process on a real temp folder (no child process): which hints it gives
 * for new folders, replaced files and folders, and the journal folder going away.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoreRules } from '../src/core/ignore.js';
import { JournalWatcher } from '../src/live/watch.js';
import { cleanup, tmpDir, waitFor, writeFile } from './helpers.js';

afterEach(() => cleanup.run());

interface Seen {
  paths: string[];
  dirs: Array<[string, boolean]>;
  recovered: string[];
}

async function watching(root: string): Promise<{ w: JournalWatcher; seen: Seen }> {
  const seen: Seen = { paths: [], dirs: [], recovered: [] };
  const w = new JournalWatcher(root, ignoreRules([]), {
    onPath: (p) => seen.paths.push(p),
    onDir: (d, deep) => seen.dirs.push([d, deep]),
    onMissed: () => {},
    onRecovered: (r) => seen.recovered.push(r),
  }, { rootCheckMs: 50, retryMinMs: 20, retryMaxMs: 200 });
  cleanup.add(() => w.close());
  await w.start();
  return { w, seen };
}

const deep = (seen: Seen, d: string): boolean => seen.dirs.some(([x, isDeep]) => x === d && isDeep);

describe('JournalWatcher', () => {
  it('watches one inotify watch per folder, skipping dot-folders', { timeout: 20_000 }, async () => {
    const root = tmpDir('inkdex-watch-');
    for (const rel of ['a.md', 'x/b.md', 'x/y/c.md', '.git/objects/z.md', 'x/.hidden/d.md']) writeFile(root, rel, 'n\n');
    const { w } = await watching(root);
    expect(w.status()).toMatchObject({ state: 'watching', dirs: 3, files: 3 });
  });

  it('a new folder is watched, then reported deep; files in it are seen afterwards', { timeout: 20_000 }, async () => {
    const root = tmpDir('inkdex-watch-');
    const { w, seen } = await watching(root);
    writeFile(root, 'new/sub/one.md', 'n\n');
    await waitFor(() => deep(seen, 'new'), { timeoutMs: 5000, message: 'new/ reported deep' });
    await waitFor(() => w.status().dirs === 3, { timeoutMs: 5000, message: 'new/ and new/sub watched' });
    writeFile(root, 'new/sub/two.md', 'n\n');
    await waitFor(() => seen.paths.includes('new/sub/two.md'), { timeoutMs: 5000, message: 'the later file named' });
  });

  it('a file replaced by a folder of the same name, and back', { timeout: 20_000 }, async () => {
    const root = tmpDir('inkdex-watch-');
    writeFile(root, 'g.md', 'n\n');
    const { w, seen } = await watching(root);
    fs.rmSync(path.join(root, 'g.md'));
    writeFile(root, 'g.md/in.md', 'n\n');
    await waitFor(() => deep(seen, 'g.md') && w.status().dirs === 2, { timeoutMs: 5000, message: 'g.md/ watched and reported deep' });
    seen.dirs.length = 0;
    fs.rmSync(path.join(root, 'g.md'), { recursive: true });
    writeFile(root, 'g.md', 'n\n');
    await waitFor(() => deep(seen, 'g.md') && w.status().dirs === 1, { timeoutMs: 5000, message: 'g.md/ dropped and reported deep' });
    expect(seen.paths).toContain('g.md');
  });

  it('a folder deleted and made again at once under the same name (ext4 reuses its inode number) is watched afresh', { timeout: 60_000 }, async () => {
    const root = tmpDir('inkdex-watch-');
    writeFile(root, 'x/a.md', 'n\n');
    const { seen } = await watching(root);
    for (let i = 0; i < 15; i++) {
      fs.rmSync(path.join(root, 'x'), { recursive: true });
      fs.mkdirSync(path.join(root, 'x'));
      // Its watch must be alive: a write in it is named (rewritten until it is, 5 s at most).
      const file = path.join(root, 'x', `f${i}.md`);
      await waitFor(() => {
        fs.writeFileSync(file, `n ${Date.now()}\n`);
        return seen.paths.includes(`x/f${i}.md`);
      }, { timeoutMs: 5000, intervalMs: 100, message: `x/f${i}.md named after x/ was made again (${i})` });
    }
  });

  it('the journal folder renamed away: down with a reason, then back and recovered', { timeout: 20_000 }, async () => {
    const parent = tmpDir('inkdex-watch-');
    const root = path.join(parent, 'journal');
    writeFile(root, 'a.md', 'n\n');
    const { w, seen } = await watching(root);
    fs.renameSync(root, path.join(parent, 'old'));
    await waitFor(() => w.status().state === 'down', { timeoutMs: 5000, message: 'down' });
    expect(w.status().lastError).toMatch(/journal folder/);
    expect(w.status().dirs).toBe(0); // the old watches (which follow the old folder) are gone
    writeFile(parent, 'old/stale.md', 'n\n');
    fs.mkdirSync(root);
    await waitFor(() => w.status().state === 'watching' && seen.recovered.length > 0, { timeoutMs: 5000, message: 'recovered' });
    expect(w.status().lastError).toBeNull();
    seen.paths.length = 0;
    writeFile(root, 'b.md', 'n\n');
    await waitFor(() => seen.paths.includes('b.md'), { timeoutMs: 5000, message: 'the new folder watched' });
    expect(seen.paths.filter((p) => p.includes('stale'))).toEqual([]);
  });
});
