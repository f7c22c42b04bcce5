/**
 * The page's state store (web/store.js) and its setters with rules (web/indexer-state.js):
 * plain modules without the DOM, so they run here in Node. Each test imports them afresh.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from './helpers.js';

type Run = { id: number; status?: string; trigger?: string; [k: string]: unknown };
type State = { status: Record<string, unknown> | null; runs: Map<number, Run>; current: Run | null; selectedRunId: number | null; [k: string]: unknown };
interface Store {
  state: State;
  set(patch: Record<string, unknown>): void;
  subscribe(keys: string[], render: (s: State) => void): () => void;
}
interface IndexerState {
  upsertRuns(runs: Run[]): void;
  setProgress(p: Record<string, unknown>): void;
  setStatus(s: Record<string, unknown>): void;
  finishRun(run: Run): void;
  isFirstBuild(): boolean;
  shownHealth(): string;
  shownState(): string;
}

const load = async <T>(name: string): Promise<T> => (await import(pathToFileURL(path.join(REPO_ROOT, 'web', name)).href)) as T;
let store: Store;
let indexer: IndexerState;

beforeEach(async () => {
  vi.resetModules(); // a fresh store per test
  store = await load<Store>('store.js');
  indexer = await load<IndexerState>('indexer-state.js');
});

describe('web/store.js', () => {
  it('calls the subscribers of the keys that changed, once per set(), and no others', () => {
    const calls: string[] = [];
    store.subscribe(['viewTitle'], (s) => calls.push(`title:${String(s.viewTitle)}`));
    store.subscribe(['viewTitle', 'live'], () => calls.push('both'));
    store.subscribe(['selectedRunId'], () => calls.push('selection'));
    store.set({ viewTitle: 'Search: a', live: 'live' });
    store.set({ viewTitle: 'Search: a' }); // the same value: no call
    store.set({ live: 'offline' });
    expect(calls).toEqual(['title:Search: a', 'both', 'both']);
  });

  it('stops calling after unsubscribe', () => {
    let n = 0;
    const off = store.subscribe(['live'], () => n++);
    store.set({ live: 'live' });
    off();
    store.set({ live: 'offline' });
    expect(n).toBe(1);
  });

  it('is read-only outside set(), and refuses keys it does not have', () => {
    expect(() => {
      store.state.viewTitle = 'x';
    }).toThrow(/read-only/);
    expect(() => store.set({ nope: 1 })).toThrow(/no key "nope"/);
    expect(() => store.subscribe(['nope'], () => {})).toThrow(/no key "nope"/);
  });
});

describe('web/indexer-state.js', () => {
  it('never lets a stale "running" snapshot overwrite a finished run, and merges the rest', () => {
    indexer.upsertRuns([{ id: 1, status: 'running', trigger: 'manual' }]);
    indexer.upsertRuns([{ id: 1, status: 'succeeded', added: 3 }]);
    const finished = store.state.runs;
    indexer.upsertRuns([{ id: 1, status: 'running' }]);
    expect(store.state.runs).toBe(finished); // nothing changed: the same Map, no render
    expect(store.state.runs.get(1)).toEqual({ id: 1, status: 'succeeded', trigger: 'manual', added: 3 });
  });

  it('takes a status, its last run and its run under way in one change', () => {
    const seen: Array<[boolean, boolean, boolean]> = [];
    store.subscribe(['status', 'runs', 'current'], (s) => seen.push([s.status !== null, s.runs.size > 0, s.current !== null]));
    indexer.setStatus({ state: 'syncing', health: 'healthy', lastRun: { id: 1, status: 'succeeded' }, currentRun: { id: 2, processed: 5, total: 10 } });
    expect(seen).toEqual([[true, true, true]]);
    expect(indexer.shownState()).toBe('syncing');
    expect(indexer.shownHealth()).toBe('healthy'); // a run has finished: not a first build
  });

  it('says "building" until the first run finishes, then idle', () => {
    indexer.setStatus({ state: 'syncing', health: 'healthy', lastRun: null, currentRun: { id: 1, trigger: 'startup', processed: 0, total: 9 } });
    expect(indexer.isFirstBuild()).toBe(true);
    expect(indexer.shownHealth()).toBe('building');
    indexer.setProgress({ id: 1, processed: 4 });
    expect(store.state.current).toMatchObject({ id: 1, trigger: 'startup', processed: 4, total: 9 });
    indexer.finishRun({ id: 1, status: 'succeeded' });
    expect(store.state.current).toBeNull();
    expect(indexer.isFirstBuild()).toBe(false);
    expect(indexer.shownHealth()).toBe('healthy');
    expect(indexer.shownState()).toBe('idle');
  });

  it('keeps a newer run under way when an older one finishes', () => {
    indexer.setProgress({ id: 5, trigger: 'watch' });
    indexer.finishRun({ id: 4, status: 'succeeded' });
    expect(store.state.current).toMatchObject({ id: 5 });
    expect(indexer.shownState()).toBe('syncing');
  });
});
