/**
 * Randomized operation sequences applied to a journal while `serve --reconcile-every 0`
 * runs, ending equal to an oracle computed independently from the folder (paths,
 * sha256, titles, dates from file names, tags), read through Python's sqlite3; and
 * kill -9 at random moments during bursts and index writes.
 *
 * Short in CI; long with INKDEX_LONG=1 (≥ 10,000 operations, ≥ 10 kill rounds).
 * Seeded: INKDEX_SEED=N replays a run; the seed is printed in every failure.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, queryBatch, scalar, tmpDir, waitFor, writeFile } from './helpers.js';
import { startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

const LONG = process.env.INKDEX_LONG === '1';
const SEED = Number(process.env.INKDEX_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Operations per round, and rounds (each round ends with a settle-and-compare). */
const OPS_PER_ROUND = LONG ? 250 : 60;
const ROUNDS = LONG ? 42 : 3;
const KILL_ROUNDS = LONG ? 10 : 3;
/** After the last operation, the index must equal the folder within this long. */
const SETTLE_MS = Number(process.env.INKDEX_SETTLE_MS ?? 5000);

/** mulberry32: small, seeded, good enough to pick operations. */
function rng(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(a: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)]!,
    chance: (p) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

// ---- the oracle: what the index must hold, computed from the folder alone ----------

interface Expected {
  path: string;
  hash: string;
  title: string;
  date: string | null;
  tags: string[];
}

function indexable(rel: string): boolean {
  const parts = rel.split('/');
  if (parts.some((p) => p.startsWith('.'))) return false;
  return /\.(md|markdown)$/i.test(rel);
}

function listDisk(root: string): string[] {
  const out: string[] = [];
  const stack = [''];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of names) {
      const rel = dir === '' ? d.name : `${dir}/${d.name}`;
      if (d.isDirectory()) {
        if (!d.name.startsWith('.')) stack.push(rel);
      } else if (d.isFile() && indexable(rel)) out.push(rel);
    }
  }
  return out.sort();
}

function oracle(root: string): Expected[] {
  return listDisk(root).map((rel) => {
    const bytes = fs.readFileSync(path.join(root, rel));
    const text = bytes.toString('utf8');
    const heading = /^# (.+)$/m.exec(text)?.[1]?.trim();
    const base = rel.slice(rel.lastIndexOf('/') + 1).replace(/\.(md|markdown)$/i, '');
    const date = /(\d{4})-(\d{2})-(\d{2})/.exec(base)?.[0] ?? null;
    const tags = new Set<string>();
    for (const m of text.matchAll(/(?:^|\s)#(t\d+)(?=\s|$)/g)) tags.add(m[1]!);
    return { path: rel, hash: createHash('sha256').update(bytes).digest('hex'), title: heading ?? base, date, tags: [...tags].sort() };
  });
}

function indexed(db: string): Expected[] {
  const r = queryBatch(db, {
    entries: 'SELECT id, path, content_hash, title, date FROM entries ORDER BY path',
    tags: 'SELECT entry_id, tag FROM tags ORDER BY tag',
  });
  const tags = new Map<number, string[]>();
  for (const t of r.tags) {
    const list = tags.get(t.entry_id as number) ?? [];
    list.push(t.tag as string);
    tags.set(t.entry_id as number, list);
  }
  return r.entries.map((e) => ({
    path: e.path as string,
    hash: e.content_hash as string,
    title: e.title as string,
    date: (e.date as string | null) ?? null,
    tags: (tags.get(e.id as number) ?? []).sort(),
  }));
}

function firstDifference(want: Expected[], got: Expected[]): string {
  const g = new Map(got.map((e) => [e.path, e]));
  const w = new Map(want.map((e) => [e.path, e]));
  for (const e of want) {
    const x = g.get(e.path);
    if (!x) return `missing from the index: ${e.path}`;
    if (JSON.stringify(x) !== JSON.stringify(e)) return `differs: ${JSON.stringify(x)} vs folder ${JSON.stringify(e)}`;
  }
  for (const e of got) if (!w.has(e.path)) return `in the index but not in the folder: ${e.path}`;
  return 'equal';
}

/** Waits until the index equals the folder; returns how long it took. */
async function settle(s: Served, root: string, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  let last = '';
  try {
    await waitFor(
      () => {
        const want = oracle(root);
        const got = indexed(s.db);
        last = firstDifference(want, got);
        return last === 'equal';
      },
      { timeoutMs, intervalMs: 200, message: `the index to equal the folder after ${what}` },
    );
  } catch (err) {
    // Is every folder watched? (a folder the watcher lost explains a miss below it)
    const st = await s.api<{ watcher: { state: string; dirs: number } }>('/api/status').catch(() => null);
    const watched = st ? `watcher ${st.watcher.state}, ${st.watcher.dirs} folders watched of ${listDirs(root).length + 1} on disk` : 'no status';
    throw new Error(`seed ${SEED}: ${(err as Error).message}; ${last}; ${watched}\nserve stderr:\n${s.cli.stderr.slice(-1500)}`);
  }
  return Date.now() - t0;
}

// ---- operations -------------------------------------------------------------------

let counter = 0;
function content(r: Rng): string {
  const n = ++counter;
  const tags = Array.from({ length: r.int(0, 3) }, () => `#t${r.int(0, 30)}`).join(' ');
  const head = r.chance(0.7) ? `# Note ${n} ${r.int(0, 999)}\n\n` : '';
  return `${head}Body of note ${n} with words ${tags}\n`;
}

function fileName(r: Rng): string {
  const n = ++counter;
  if (r.chance(0.3)) {
    const d = `20${r.int(10, 29)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
    return `${d}-n${n}.md`;
  }
  return r.chance(0.1) ? `n${n}.markdown` : `n${n}.md`;
}

function listDirs(root: string): string[] {
  const out: string[] = [];
  const stack = [''];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of names) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      const rel = dir === '' ? d.name : `${dir}/${d.name}`;
      out.push(rel);
      stack.push(rel);
    }
  }
  return out;
}

function abs(root: string, rel: string): string {
  return path.join(root, ...rel.split('/'));
}

/** Applies one random operation; returns its name (for the failure message). */
function applyOne(root: string, r: Rng, allowRootReplace: boolean): string {
  const files = listDisk(root);
  const dirs = listDirs(root);
  const someDir = (): string => (dirs.length > 0 && r.chance(0.7) ? r.pick(dirs) : '');
  const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
  const file = files.length > 0 ? r.pick(files) : null;
  const roll = r.int(0, 100);
  try {
    if (roll < 15 || !file) {
      writeFile(root, join(someDir(), fileName(r)), content(r));
      return 'create';
    }
    if (roll < 25) {
      fs.writeFileSync(abs(root, file), content(r));
      return 'edit';
    }
    if (roll < 32) {
      fs.appendFileSync(abs(root, file), `more words #t${r.int(0, 30)}\n`);
      return 'append';
    }
    if (roll < 40) {
      const tmp = `${abs(root, file)}.tmp`;
      fs.writeFileSync(tmp, content(r));
      fs.renameSync(tmp, abs(root, file));
      return 'atomic save';
    }
    if (roll < 47) {
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
      fs.renameSync(abs(root, file), abs(root, join(dir, fileName(r))));
      return 'rename in folder';
    }
    if (roll < 53) {
      const to = join(someDir(), fileName(r));
      fs.mkdirSync(path.dirname(abs(root, to)), { recursive: true });
      fs.renameSync(abs(root, file), abs(root, to));
      return 'move across folders';
    }
    if (roll < 57 && dirs.length > 0) {
      const d = r.pick(dirs);
      const parent = d.includes('/') ? d.slice(0, d.lastIndexOf('/')) : '';
      fs.renameSync(abs(root, d), abs(root, join(parent, `d${++counter}`)));
      return 'folder rename';
    }
    if (roll < 60 && dirs.length > 0) {
      fs.rmSync(abs(root, r.pick(dirs)), { recursive: true, force: true });
      return 'folder delete';
    }
    if (roll < 66) {
      const t = new Date(Date.now() + r.int(-100_000, 100_000));
      fs.utimesSync(abs(root, file), t, t);
      return 'touch';
    }
    if (roll < 71) {
      fs.rmSync(abs(root, file));
      if (r.chance(0.6)) fs.writeFileSync(abs(root, file), content(r));
      return 'delete (+ recreate)';
    }
    if (roll < 75) {
      const base = file.slice(file.lastIndexOf('/') + 1);
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
      const swapped = base === base.toUpperCase() ? base.toLowerCase() : base.toUpperCase();
      fs.renameSync(abs(root, file), abs(root, join(dir, swapped.replace(/\.(MD|MARKDOWN)$/, (m) => m.toLowerCase()))));
      return 'case-only rename';
    }
    if (roll < 79) {
      fs.rmSync(abs(root, file));
      writeFile(root, `${file}/${fileName(r)}`, content(r));
      return 'file → folder';
    }
    if (roll < 82) {
      const mdDirs = dirs.filter((d) => /\.md$/.test(d));
      if (mdDirs.length > 0) {
        const d = r.pick(mdDirs);
        fs.rmSync(abs(root, d), { recursive: true, force: true });
        fs.writeFileSync(abs(root, d), content(r));
        return 'folder → file';
      }
      writeFile(root, join(someDir(), fileName(r)), content(r));
      return 'create';
    }
    if (roll < 90) {
      const base = join(someDir(), `burst${++counter}`);
      const n = r.int(10, 60);
      for (let i = 0; i < n; i++) writeFile(root, `${base}/${r.chance(0.3) ? `sub${i % 4}/` : ''}${fileName(r)}`, content(r));
      return `burst of ${n} into a new folder`;
    }
    if (roll < 92 && allowRootReplace) {
      const old = `${root}.old${++counter}`;
      fs.renameSync(root, old);
      fs.mkdirSync(root);
      // Keep some of the old files (as a restore from a backup would).
      for (const f of listDisk(old).filter(() => r.chance(0.5))) writeFile(root, f, fs.readFileSync(abs(old, f)));
      fs.rmSync(old, { recursive: true, force: true });
      return 'root replaced';
    }
    writeFile(root, join(someDir(), fileName(r)), content(r));
    return 'create';
  } catch (err) {
    // A race with ourselves (a parent that became a file…): the folder is still the truth.
    return `skipped (${(err as NodeJS.ErrnoException).code ?? err})`;
  }
}

function seedJournal(root: string, r: Rng): void {
  for (let i = 0; i < 40; i++) writeFile(root, `${r.pick(['', 'a', 'b', 'a/deep'])}/${fileName(r)}`.replace(/^\//, ''), content(r));
}

describe(`live path, randomized (seed ${SEED}${LONG ? ', long' : ''})`, () => {
  it(`${OPS_PER_ROUND * ROUNDS} random operations end equal to the folder`, { timeout: LONG ? 3_600_000 : 180_000 }, async () => {
    const r = rng(SEED);
    const parent = tmpDir('inkdex-random-');
    const root = path.join(parent, 'journal');
    fs.mkdirSync(root);
    seedJournal(root, r);
    const s = await startServe(root, ['--reconcile-every', '0']);
    await s.idle();
    const settleTimes: number[] = [];
    const counts = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const done: string[] = [];
      for (let i = 0; i < OPS_PER_ROUND; i++) {
        const op = applyOne(root, r, round > 0);
        done.push(op);
        counts.set(op.replace(/\d+/g, 'N'), (counts.get(op.replace(/\d+/g, 'N')) ?? 0) + 1);
        if (r.chance(0.3)) await new Promise((res) => setTimeout(res, r.int(0, 40)));
      }
      settleTimes.push(await settle(s, root, SETTLE_MS, `round ${round} (${done.slice(-8).join(', ')})`));
      expect(s.cli.child.exitCode).toBeNull();
    }
    const sorted = [...settleTimes].sort((a, b) => a - b);
    // The figures docs/reliability.md quotes.
    console.log(
      `[live-random] seed ${SEED}: ${OPS_PER_ROUND * ROUNDS} operations in ${ROUNDS} rounds; settle ms p50 ${sorted[Math.floor(sorted.length / 2)]} max ${sorted.at(-1)}; ` +
        JSON.stringify(Object.fromEntries(counts)),
    );
  });

  it(`kill -9 during bursts and index writes, ${KILL_ROUNDS} rounds: the file is intact and a restart equals the folder`, { timeout: LONG ? 1_800_000 : 180_000 }, async () => {
    const r = rng(SEED + 1);
    const root = tmpDir('inkdex-kill-');
    const db = path.join(tmpDir('inkdex-kill-db-'), 'index.sqlite');
    seedJournal(root, r);
    const killedAt: number[] = [];
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const s = await startServe(root, ['--reconcile-every', '0'], db);
      if (round > 0) {
        // The restart itself must make the index equal the folder.
        await settle(s, root, 30_000, `restart ${round} after kill -9`);
      } else await s.idle();
      let stop = false;
      const writer = (async () => {
        for (let i = 0; !stop && i < 2000; i++) {
          applyOne(root, r, false);
          if (i % 10 === 0) await new Promise((res) => setImmediate(res));
        }
      })();
      const delay = r.int(0, 1500);
      await new Promise((res) => setTimeout(res, delay));
      s.cli.child.kill('SIGKILL');
      await s.cli.exited;
      stop = true;
      await writer;
      killedAt.push(delay);
      expect(scalar(db, 'PRAGMA integrity_check'), `seed ${SEED}, round ${round}`).toBe('ok');
    }
    const last = await startServe(root, ['--reconcile-every', '0'], db);
    await settle(last, root, 30_000, 'the last restart');
    await last.cli.stop('SIGTERM');
    expect(scalar(db, 'PRAGMA integrity_check')).toBe('ok');
    console.log(`[live-random] seed ${SEED}: ${KILL_ROUNDS} kill -9 rounds at ${killedAt.join(', ')} ms: integrity ok, restart equal to the folder`);
  });
});
