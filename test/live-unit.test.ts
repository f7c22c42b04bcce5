/**
 * The live path's rules without a child process: the diff, the move window and pairing,
 * the one disk check, and the indexer's batching — time driven by vitest's fake clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { diffListings, isRacy, RACY_MS } from '../src/core/diff.js';
import { ignoreRules } from '../src/core/ignore.js';
import { Indexer } from '../src/live/indexer.js';
import { inProcessWriter, type RunFn } from '../src/live/run-writer.js';
import { diskState, MOVE_WINDOW_MS, MovePool, MoveWindow } from '../src/sync/moves.js';
import type { DiskFile } from '../src/sync/scan.js';
import type { IndexedFile, SyncStore as Store } from '../src/core/seam.js';
import type { Scope } from '../src/sync/sync.js';
import type { RunSummary } from '../src/core/seam.js';

const disk = (p: string, size = 10, mtimeMs = 1000): DiskFile => ({ path: p, diskPath: p, size, mtimeMs });
const indexed = (p: string, id: number, size = 10, mtimeMs = 1000, hash = `h-${p}`): IndexedFile => ({
  id, path: p, size, mtimeMs, checkedMs: mtimeMs + RACY_MS + 1, contentHash: hash,
});

describe('diffListings', () => {
  it('sorts files into unchanged, changed, fresh and vanished', () => {
    const onDisk = new Map([disk('same.md'), disk('grown.md', 11), disk('new.md')].map((f) => [f.path, f]));
    const inIndex = new Map([indexed('same.md', 1), indexed('grown.md', 2), indexed('gone.md', 3)].map((f) => [f.path, f]));
    const d = diffListings(onDisk, inIndex);
    expect(d.unchanged).toBe(1);
    expect(d.changed.map((c) => c.disk.path)).toEqual(['grown.md']);
    expect(d.fresh.map((f) => f.path)).toEqual(['new.md']);
    expect(d.vanished.map((v) => v.path)).toEqual(['gone.md']);
  });

  it('keeps what lies in an unreadable folder, and re-reads a racy stat', () => {
    const racy = { ...indexed('r.md', 1), checkedMs: 1000 + RACY_MS - 1 };
    const d = diffListings(new Map([['r.md', disk('r.md')]]), new Map([['r.md', racy], ['locked/x.md', indexed('locked/x.md', 2)]]), (p) =>
      p.startsWith('locked/'),
    );
    expect(d.changed.map((c) => c.disk.path)).toEqual(['r.md']);
    expect(d.vanished).toEqual([]);
    expect(d.unchanged).toBe(1);
    expect(isRacy(1000, 1000 + RACY_MS)).toBe(true);
    expect(isRacy(1000, 1001 + RACY_MS)).toBe(false);
  });
});

describe('MoveWindow (fake clock)', () => {
  it('holds a vanished path for the window, from the first time it vanished', () => {
    const w = new MoveWindow(MOVE_WINDOW_MS);
    w.hold('a.md', 0);
    w.hold('a.md', 1500); // seen again: keeps its first time
    w.hold('b.md', 1000);
    expect(w.nextDueAt()).toBe(MOVE_WINDOW_MS);
    expect(w.takeDue(MOVE_WINDOW_MS - 1)).toEqual([]);
    expect(w.takeDue(MOVE_WINDOW_MS)).toEqual(['a.md']);
    expect(w.has('a.md')).toBe(false);
    expect(w.nextDueAt()).toBe(1000 + MOVE_WINDOW_MS);
    expect(w.takeDue(5000)).toEqual(['b.md']);
    expect(w.nextDueAt()).toBeNull();
  });
});

describe('MovePool', () => {
  const noStore = { pathsWithHash: () => [], indexedByPath: () => undefined };

  it('pairs a new file with a vanished entry of the same bytes, the same name first', () => {
    const pool = new MovePool([indexed('a/x.md', 1, 10, 1000, 'H'), indexed('b/note.md', 2, 10, 1000, 'H')], null, noStore);
    expect(pool.claim('H', 'c/note.md')?.id).toBe(2);
    expect(pool.claim('H', 'c/other.md')?.id).toBe(1);
    expect(pool.claim('H', 'c/third.md')).toBeNull();
    expect(pool.claim('other', 'd.md')).toBeNull();
    expect(pool.unclaimed()).toEqual([]);
  });

  it('while watching, claims an indexed entry whose file is gone although its event has not come', () => {
    const entry = indexed('old.md', 7, 10, 1000, 'H');
    const store = { pathsWithHash: (h: string) => (h === 'H' ? ['old.md', 'new.md'] : []), indexedByPath: (p: string) => (p === 'old.md' ? entry : undefined) };
    expect(new MovePool([], (p) => p === 'old.md', store).claim('H', 'new.md')?.id).toBe(7);
    expect(new MovePool([], () => false, store).claim('H', 'new.md')).toBeNull();
  });
});

describe('diskState: the one "is it on disk" check', () => {
  it('says present, gone (ENOENT, ENOTDIR, not a file, not indexable)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-unit-'));
    try {
      const rules = ignoreRules([]);
      fs.writeFileSync(path.join(root, 'a.md'), 'x');
      fs.writeFileSync(path.join(root, 'file.md'), 'x');
      fs.mkdirSync(path.join(root, 'dir.md'));
      fs.writeFileSync(path.join(root, 'a.txt'), 'x');
      expect(diskState(root, rules, 'a.md')).toBe('present');
      expect(diskState(root, rules, 'missing.md')).toBe('gone');
      expect(diskState(root, rules, 'file.md/in.md')).toBe('gone'); // ENOTDIR: a file where a folder was
      expect(diskState(root, rules, 'dir.md')).toBe('gone'); // a folder where the file was
      expect(diskState(root, rules, 'a.txt')).toBe('gone');
      expect(diskState(root, rules, 'listed.md', new Map([['listed.md', disk('listed.md')]]))).toBe('present');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

// ---- the indexer's batching ----------------------------------------------------------

interface Call {
  at: number;
  scope: Scope;
  trigger: string;
}

function fakeStore(): Store {
  let next = 100;
  return {
    startRun: () => next++,
    finishRun: () => {},
    markRunStarted: () => {},
  } as unknown as Store;
}

/** A fake runSync: records each call; `behave` decides what it returns. */
function fakeRun(calls: Call[], behave: (scope: Scope, trigger: string) => Partial<{ held: string[]; recorded: boolean; failed: boolean; takesMs: number }> = () => ({})): RunFn {
  return async (_store, _opts, scope, trigger, hooks = {}, reservedId = null) => {
    calls.push({ at: Date.now(), scope, trigger });
    const b = behave(scope, trigger);
    const id = reservedId ?? (b.recorded === false ? -1 : 1);
    if (id >= 0) hooks.onStart?.({ id, trigger, kind: scope.kind, processed: 0, total: 0, startedAt: '' });
    if (b.takesMs) await new Promise((r) => setTimeout(r, b.takesMs));
    const summary = {
      id, trigger, kind: scope.kind, status: b.failed ? 'failed' : 'succeeded', startedAt: '', finishedAt: '', durationMs: 0,
      scanned: 0, added: 0, updated: 0, unchanged: 0, moved: 0, removed: 0, errors: 0, message: b.failed ? 'journal folder missing' : null,
    } as RunSummary;
    return { summary, held: b.held ?? [], recorded: b.recorded ?? true };
  };
}

describe('Indexer batching (fake clock)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-unit-'));
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const make = (calls: Call[], behave?: Parameters<typeof fakeRun>[1]): Indexer =>
    new Indexer(inProcessWriter(fakeStore(), { root, rules: ignoreRules([]), maxFileSize: 1 << 20 }, fakeRun(calls, behave)), { root, rules: ignoreRules([]), maxFileSize: 1 << 20 });
  const incremental = (c: Call): Extract<Scope, { kind: 'incremental' }> => c.scope as Extract<Scope, { kind: 'incremental' }>;

  it('a lone edit goes once events are quiet for 5 ms', async () => {
    const calls: Call[] = [];
    const ix = make(calls);
    ix.notePath('a.md');
    await vi.advanceTimersByTimeAsync(4);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect([...incremental(calls[0]!).paths]).toEqual(['a.md']);
  });

  it('a steady stream of events is cut into batches at most 250 ms apart', async () => {
    const calls: Call[] = [];
    const ix = make(calls);
    for (let t = 0; t < 1000; t += 10) {
      ix.notePath(`n${t}.md`);
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(300);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.length).toBeLessThanOrEqual(6);
    const all = calls.flatMap((c) => [...incremental(c).paths]);
    expect(new Set(all).size).toBe(100);
  });

  it('a folder named by many events is listed once per batch; deep wins over shallow', async () => {
    const calls: Call[] = [];
    const ix = make(calls);
    for (let i = 0; i < 500; i++) ix.noteDir('notes', false);
    ix.noteDir('new', true);
    ix.noteDir('new', false);
    ix.noteDir('gone', false);
    ix.noteDir('gone', true);
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toHaveLength(1);
    expect([...incremental(calls[0]!).dirs!]).toEqual([
      ['notes', false],
      ['new', true],
      ['gone', true],
    ]);
  });

  it('holds a vanished path for the move window, then offers it for removal', async () => {
    const calls: Call[] = [];
    const ix = make(calls, (scope) => (scope.kind === 'incremental' && scope.paths.has('old.md') && !scope.removable.has('old.md') ? { held: ['old.md'] } : {}));
    ix.notePath('old.md');
    await vi.advanceTimersByTimeAsync(25);
    expect(calls).toHaveLength(1);
    ix.notePath('old.md'); // its late event while held (and gone): nothing new
    await vi.advanceTimersByTimeAsync(MOVE_WINDOW_MS - 100);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toHaveLength(2);
    expect([...incremental(calls[1]!).removable]).toEqual(['old.md']);
  });

  it('events during a run make one follow-up batch; a full request clears what it covers', async () => {
    const calls: Call[] = [];
    const ix = make(calls, () => ({ takesMs: 100 }));
    ix.notePath('a.md');
    await vi.advanceTimersByTimeAsync(25);
    expect(calls).toHaveLength(1);
    ix.notePath('b.md');
    ix.notePath('c.md');
    const ref1 = ix.requestFull('manual');
    expect(ix.requestFull('manual')).toBe(ref1); // coalesced
    expect((await ref1).id).toBe(100);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.map((c) => c.scope.kind)).toEqual(['incremental', 'full']);
    expect(ix.busy()).toBe(false);
  });

  it('a failed full sync is retried with backoff until it succeeds', async () => {
    const calls: Call[] = [];
    let fails = 3;
    const ix = make(calls, (scope) => (scope.kind === 'full' && fails-- > 0 ? { failed: true } : {}));
    void ix.requestFull('startup');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    // Retries after 0.5, 1 and 2 s (each + the 1 ms a zero timeout takes), then none.
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps.map((g) => Math.round(g / 100) * 100)).toEqual([500, 1000, 2000]);
    expect(ix.lastRun?.status).toBe('succeeded');
  });

  it('a failed watch batch is retried with backoff, its paths and folders kept, until it succeeds (issue 20)', async () => {
    const calls: Call[] = [];
    let fails = 3;
    const ix = make(calls, (scope) => (scope.kind === 'incremental' && fails-- > 0 ? { failed: true } : {}));
    ix.notePath('a.md');
    ix.noteDir('notes', true);
    await vi.advanceTimersByTimeAsync(25);
    expect(calls).toHaveLength(1);
    expect(ix.busy()).toBe(true); // work waits for its retry
    await vi.advanceTimersByTimeAsync(60_000);
    // Retried after 0.5, 1 and 2 s, then none: the fourth try succeeded.
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps.map((g) => Math.round(g / 100) * 100)).toEqual([500, 1000, 2000]);
    for (const c of calls) {
      expect([...incremental(c).paths]).toEqual(['a.md']);
      expect([...incremental(c).dirs!]).toEqual([['notes', true]]);
    }
    // The retries are recorded even should they change nothing: they end the failure.
    expect(calls.map((c) => incremental(c).record === true)).toEqual([false, true, true, true]);
    expect(ix.lastRun?.status).toBe('succeeded');
    expect(ix.busy()).toBe(false);
    expect(ix.lagMs()).toBe(0);
  });

  it('batches failing while a retry waits join it; the lag counts from the first; a full sync covers them (issue 20)', async () => {
    const calls: Call[] = [];
    let failing = true;
    const ix = make(calls, (scope) => (scope.kind === 'incremental' && failing ? { failed: true } : {}));
    ix.notePath('a.md');
    await vi.advanceTimersByTimeAsync(25);
    ix.notePath('b.md'); // its own batch, before the retry: fails too, and joins it
    await vi.advanceTimersByTimeAsync(25);
    expect(calls.map((c) => [...incremental(c).paths])).toEqual([['a.md'], ['b.md']]);
    expect(ix.lagMs()).toBeGreaterThanOrEqual(50);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(3);
    expect([...incremental(calls[2]!).paths].sort()).toEqual(['a.md', 'b.md']);
    expect(ix.lagMs()).toBeGreaterThanOrEqual(500);

    // A full sync reads everything: the failed batch is dropped, no retry follows.
    failing = false;
    ix.requestFull('manual');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.map((c) => c.scope.kind)).toEqual(['incremental', 'incremental', 'incremental', 'full']);
    expect(ix.busy()).toBe(false);
    expect(ix.lagMs()).toBe(0);
  });

  it('a full sync that succeeds meanwhile cancels the pending retry', async () => {
    const calls: Call[] = [];
    let fails = 1;
    const ix = make(calls, (scope) => (scope.kind === 'full' && fails-- > 0 ? { failed: true } : {}));
    void ix.requestFull('startup');
    await vi.advanceTimersByTimeAsync(100);
    void ix.requestFull('watch'); // the folder is back: the watcher asks for a full sync at once
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.map((c) => c.trigger)).toEqual(['startup', 'watch']);
  });

  it('a batch that changed nothing is not reported as a run', async () => {
    const calls: Call[] = [];
    const ix = make(calls, () => ({ recorded: false }));
    const finished: unknown[] = [];
    ix.on('run-finished', (r) => finished.push(r));
    ix.noteDir('x', true);
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toHaveLength(1);
    expect(finished).toEqual([]);
    expect(ix.lastRun).toBeNull();
  });

  it('drops a batch while the journal folder is missing (the recovery full sync covers it)', async () => {
    const calls: Call[] = [];
    const ix = make(calls);
    fs.rmSync(root, { recursive: true });
    ix.notePath('a.md');
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toHaveLength(0);
    expect(ix.busy()).toBe(false);
  });
});
