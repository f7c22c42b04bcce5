/**
 * Link resolution (SPEC §3): each rule against hand-written expectations, then kept
 * current as files are added, renamed and removed — through the storage seam in-process
 * (the engine named by INKDEX_ENGINE, native by default), with full and incremental runs
 * over a real temp folder, and once through a running `serve` with a real watcher.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoreRules } from '../src/core/ignore.js';
import type { OpenedIndex } from '../src/core/seam.js';
import { entryKeys, linkKey, pickTarget } from '../src/core/link-keys.js';
import { openIndexFile } from '../src/index/open-index.js';
import { runSync } from '../src/sync/sync.js';
import { cleanup, makeJournal, query, tmpDir, waitFor, writeFile } from './helpers.js';
import { startServe } from './serve-helpers.js';

afterEach(() => cleanup.run());

const ENGINE = process.env.INKDEX_ENGINE === 'wasm' ? 'wasm' : 'native';

interface Journal {
  root: string;
  index: OpenedIndex;
  /** A full sync of the folder. */
  sync(): Promise<void>;
  /** An incremental run over these paths (as the watcher would report them). */
  touched(...paths: string[]): Promise<void>;
  /** linking path → { target → resolved path or null }. */
  resolved(): Record<string, Record<string, string | null>>;
}

async function journal(files: Record<string, string>): Promise<Journal> {
  const root = makeJournal(files);
  const index = await openIndexFile(ENGINE, path.join(tmpDir('inkdex-db-'), 'index.sqlite'), root);
  cleanup.add(() => index.file.close());
  const opts = { root, rules: ignoreRules([]), maxFileSize: 5 * 1024 * 1024 };
  const byId = (): Map<number, string> => new Map(index.reader.entries({ limit: 100_000, offset: 0 }).entries.map((e) => [e.id, e.path]));
  return {
    root,
    index,
    async sync() {
      const { summary } = await runSync(index.store, opts, { kind: 'full' }, 'cli');
      expect(summary.status, summary.message ?? '').toBe('succeeded');
    },
    async touched(...paths) {
      const { summary } = await runSync(index.store, opts, { kind: 'incremental', paths: new Set(paths), removable: new Set(paths) }, 'watch');
      expect(summary.status, summary.message ?? '').toBe('succeeded');
    },
    resolved() {
      const paths = byId();
      const out: Record<string, Record<string, string | null>> = {};
      for (const [id, p] of paths) {
        const links = index.reader.entry(id)!.links;
        if (links.length === 0) continue;
        out[p] = Object.fromEntries(links.map((l) => [l.target, l.targetId === null ? null : (paths.get(l.targetId) ?? `?${l.targetId}`)]));
      }
      return out;
    },
  };
}

describe('link keys (pure)', () => {
  it('names an entry by its file name and its path, without extension, lowercased and NFC', () => {
    expect(entryKeys('Notes/Café Menu.md')).toEqual(['n:café menu', 'p:notes/café menu']);
    expect(entryKeys('a/b.c.markdown')).toEqual(['n:b.c', 'p:a/b.c']);
  });

  it('asks for a name, a path from the root, or a path relative to the linking file', () => {
    expect(linkKey('Marathon Training', 'wiki', 'x/y.md')).toBe('n:marathon training');
    expect(linkKey('notes/Garden.md', 'wiki', 'x/y.md')).toBe('p:notes/garden');
    expect(linkKey('../notes/Garden.md', 'markdown', '2024/day.md')).toBe('p:notes/garden');
    expect(linkKey('/notes/Garden.md', 'markdown', '2024/day.md')).toBe('p:notes/garden');
    expect(linkKey('../../outside.md', 'markdown', '2024/day.md')).toBeNull();
    expect(linkKey('Cafe\u0301', 'wiki', 'a.md')).toBe('n:café');
  });

  it('prefers the linking note\'s folder, then the shortest path, then path order', () => {
    const c = [{ path: 'b/deep/Topic.md' }, { path: 'b/Topic.md' }, { path: 'a/Topic.md' }, { path: 'z/Topic.md' }];
    expect(pickTarget(c, 'b/deep/note.md')?.path).toBe('b/deep/Topic.md');
    expect(pickTarget(c, 'root.md')?.path).toBe('a/Topic.md');
    expect(pickTarget(c, 'z/x.md')?.path).toBe('z/Topic.md');
  });
});

describe(`link resolution (${ENGINE} engine)`, () => {
  it('resolves each rule as Obsidian does', async () => {
    const j = await journal({
      'notes/Marathon training.md': '# Marathon training\n',
      'notes/Garden.md': '# Garden\n',
      'notes/Café.md': '# Café\n',
      'a/Topic.md': 'a topic\n',
      'b/Topic.md': 'b topic\n',
      'deep/er/Topic.md': 'deep topic\n',
      'Shared.md': '# Heading\nroot shared\n',
      'x/y/Shared.md': 'deep shared\n',
      '2024/day.md': [
        '[[marathon TRAINING]] by name, any case',
        '[[notes/Garden]] a path from the root, extension optional',
        '[[notes/garden.md|the garden]] with extension and alias',
        '[[Cafe\u0301]] decomposed spelling',
        '[[Topic]] two candidates at the same depth: path order',
        '[[Shared#Heading]] shortest path wins',
        '[x](../notes/Marathon%20training.md) markdown, relative, URL-encoded',
        '[y](/notes/Garden.md) markdown from the root',
        '[[Nowhere]] broken',
        '[z](../../outside.md) leaves the journal',
      ].join('\n'),
      'b/own.md': '[[Topic]] own folder wins\n[[../a/Topic]]\n',
    });
    await j.sync();
    const r = j.resolved();
    expect(r['2024/day.md']).toEqual({
      'marathon TRAINING': 'notes/Marathon training.md',
      'notes/Garden': 'notes/Garden.md',
      'notes/garden.md': 'notes/Garden.md',
      'Café': 'notes/Café.md',
      Topic: 'a/Topic.md',
      Shared: 'Shared.md',
      '../notes/Marathon training.md': 'notes/Marathon training.md',
      '/notes/Garden.md': 'notes/Garden.md',
      Nowhere: null,
      '../../outside.md': null,
    });
    expect(r['b/own.md']!.Topic).toBe('b/Topic.md');
    const broken = j.index.reader.brokenLinks(100, 0);
    expect(broken.links.map((l) => `${l.path} → ${l.target}`).sort()).toEqual(['2024/day.md → ../../outside.md', '2024/day.md → Nowhere', 'b/own.md → ../a/Topic']);
    expect(broken.total).toBe(3);
    // Backlinks: who links here, each once.
    const garden = j.index.reader.entries({ q: 'Garden', limit: 10, offset: 0 }).entries.find((e) => e.path === 'notes/Garden.md')!;
    expect(j.index.reader.entry(garden.id)!.backlinks.map((b) => b.path)).toEqual(['2024/day.md']);
  });

  it('follows adds, renames, moves and deletes incrementally', async () => {
    const j = await journal({
      'daily/mon.md': 'see [[Plan]] and [[Topic]] and [m](../notes/Plan.md)\n',
      'notes/Other.md': 'other\n',
      'b/Topic.md': 'b topic\n',
    });
    await j.sync();
    expect(j.resolved()['daily/mon.md']).toEqual({ Plan: null, Topic: 'b/Topic.md', '../notes/Plan.md': null });

    // A new note fixes the links that now resolve to it.
    writeFile(j.root, 'notes/Plan.md', '# Plan\n');
    await j.touched('notes/Plan.md');
    expect(j.resolved()['daily/mon.md']).toEqual({ Plan: 'notes/Plan.md', Topic: 'b/Topic.md', '../notes/Plan.md': 'notes/Plan.md' });

    // A closer candidate appears in the linking note's own folder: it wins.
    writeFile(j.root, 'daily/Topic.md', 'daily topic\n');
    await j.touched('daily/Topic.md');
    expect(j.resolved()['daily/mon.md']!.Topic).toBe('daily/Topic.md');

    // Renamed (same bytes: a move, keeping its id): links by the old name break, by path too.
    fs.renameSync(path.join(j.root, 'notes/Plan.md'), path.join(j.root, 'notes/Roadmap.md'));
    await j.touched('notes/Plan.md', 'notes/Roadmap.md');
    expect(j.resolved()['daily/mon.md']).toEqual({ Plan: null, Topic: 'daily/Topic.md', '../notes/Plan.md': null });

    // Removed: links fall back to the next candidate.
    fs.rmSync(path.join(j.root, 'daily/Topic.md'));
    await j.touched('daily/Topic.md');
    expect(j.resolved()['daily/mon.md']!.Topic).toBe('b/Topic.md');

    // The linking note moves: its own-folder preference moves with it.
    writeFile(j.root, 'b/mon.md', fs.readFileSync(path.join(j.root, 'daily/mon.md')));
    fs.rmSync(path.join(j.root, 'daily/mon.md'));
    writeFile(j.root, 'Topic.md', 'root topic\n');
    await j.touched('daily/mon.md', 'b/mon.md', 'Topic.md');
    expect(j.resolved()['b/mon.md']!.Topic).toBe('b/Topic.md');

    // Deleting the last candidate sets the link to NULL; a full sync agrees with the incremental state.
    fs.rmSync(path.join(j.root, 'b/Topic.md'));
    await j.touched('b/Topic.md');
    expect(j.resolved()['b/mon.md']!.Topic).toBe('Topic.md');
    fs.rmSync(path.join(j.root, 'Topic.md'));
    await j.touched('Topic.md');
    const incremental = j.resolved();
    expect(incremental['b/mon.md']!.Topic).toBeNull();
    await j.sync();
    expect(j.resolved()).toEqual(incremental);
  });

  it('resolves every link of a bulk build (one pass at its end)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 600; i++) files[`n/note ${i}.md`] = `# Note ${i}\n[[note ${(i + 1) % 600}]] [[missing ${i}]]\n`;
    const j = await journal(files);
    await j.sync();
    const r = j.resolved();
    expect(Object.keys(r)).toHaveLength(600);
    for (let i = 0; i < 600; i++) expect(r[`n/note ${i}.md`]).toEqual({ [`note ${(i + 1) % 600}`]: `n/note ${(i + 1) % 600}.md`, [`missing ${i}`]: null });
    expect(j.index.reader.brokenLinks(1, 0).total).toBe(600);
  });
});

describe(`links while serving (${ENGINE} engine)`, () => {
  it('a note created, renamed and deleted under a running watcher keeps target_id current in the file', { timeout: 90_000 }, async () => {
    const root = makeJournal({ 'daily/mon.md': 'see [[Plan]]\n', 'other.md': 'x\n' });
    const s = await startServe(root, ['--reconcile-every', '0']);
    await s.idle();
    const target = (): Array<Record<string, unknown>> =>
      query(s.db, "SELECT t.path FROM links l JOIN entries e ON e.id = l.entry_id LEFT JOIN entries t ON t.id = l.target_id WHERE e.path = 'daily/mon.md'");
    expect(target()).toEqual([{ path: null }]);
    writeFile(root, 'notes/Plan.md', '# Plan\n');
    await waitFor(() => target()[0]?.path === 'notes/Plan.md', { timeoutMs: 20_000, message: 'the link to resolve to the new note' });
    fs.renameSync(path.join(root, 'notes/Plan.md'), path.join(root, 'notes/Plan renamed.md'));
    await waitFor(() => target()[0]?.path === null, { timeoutMs: 20_000, message: 'the link to break after the rename' });
    writeFile(root, 'Plan.md', 'root plan\n');
    await waitFor(() => target()[0]?.path === 'Plan.md', { timeoutMs: 20_000, message: 'the link to resolve to the root note' });
    fs.rmSync(path.join(root, 'Plan.md'));
    await waitFor(() => target()[0]?.path === null, { timeoutMs: 20_000, message: 'the link to break after the delete' });
    const api = await s.api<{ total: number; links: Array<{ path: string; target: string }> }>('/api/links/broken');
    expect(api.links).toEqual([{ entryId: expect.any(Number), path: 'daily/mon.md', target: 'Plan', kind: 'wiki', anchor: null, line: 1, aliasOf: null }]);
  });
});
