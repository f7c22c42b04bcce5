/**
 * chokidar → "these paths (or this folder) may have changed". Event types are hints only:
 * the sync run stats and reads every path when it processes it.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { IgnoreRules } from './ignore.js';
import { nfc } from './nfc.js';

export type WatcherState = 'starting' | 'watching' | 'degraded' | 'down';

export interface WatcherStatus {
  state: WatcherState;
  files: number;
  dirs: number;
  /** The last error, e.g. "ENOSPC: inotify watch limit reached". */
  lastError: string | null;
  events: number;
}

export interface WatchHandlers {
  /** A file (relative path as on disk) was added, changed or removed. */
  onPath(rel: string): void;
  /** A folder appeared or vanished: everything below it must be looked at. */
  onDir(rel: string): void;
  /** Events may have been missed (watcher error, journal folder recreated): reconcile in full. */
  onMissed(reason: string): void;
}

const COUNT_CACHE_MS = 5000;

export class JournalWatcher {
  private watcher: FSWatcher | null = null;
  private state: WatcherState = 'starting';
  private lastError: string | null = null;
  private events = 0;
  private counts = { files: 0, dirs: 0, at: 0 };
  private readyAt = Number.MAX_SAFE_INTEGER;

  constructor(
    private readonly root: string,
    private readonly rules: IgnoreRules,
    private readonly handlers: WatchHandlers,
  ) {}

  /** Starts watching; resolves once the initial walk is done (`ready`). */
  start(): Promise<void> {
    const w = watch(this.root, {
      ignoreInitial: true,
      followSymlinks: false,
      // One event with the final content for bursts of writes (NOTES.md: two writes 30 ms
      // apart otherwise gave one event holding the first write).
      awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
      ignored: (p, stats) => this.ignored(p, stats?.isFile() ?? null, stats?.isDirectory() ?? null),
    });
    this.watcher = w;
    w.on('all', (event, p) => this.onEvent(event, p));
    w.on('error', (err) => this.onError(err));
    return new Promise((resolve) => {
      w.once('ready', () => {
        this.readyAt = Date.now();
        if (this.state === 'starting') this.state = 'watching';
        resolve();
      });
    });
  }

  status(): WatcherStatus {
    const now = Date.now();
    // Counting walks chokidar's whole tree (~50 ms at 10k files): not while it is still
    // being built, then at most every few seconds, and afresh once it is complete.
    if (this.watcher && this.state !== 'starting' && (now - this.counts.at > COUNT_CACHE_MS || this.counts.at < this.readyAt)) {
      let files = 0;
      let dirs = 0;
      for (const [dir, names] of Object.entries(this.watcher.getWatched())) {
        dirs++;
        for (const name of names) if (this.rules.indexes(this.rel(path.join(dir, name)))) files++;
      }
      this.counts = { files, dirs, at: now };
    }
    return { state: this.state, files: this.counts.files, dirs: this.counts.dirs, lastError: this.lastError, events: this.events };
  }

  async close(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    this.state = 'down';
    await w?.close();
  }

  private rel(p: string): string {
    return path.relative(this.root, p).split(path.sep).join('/');
  }

  /** Drops ignored folders and every file that is not indexable (so editor temp files vanish). */
  private ignored(p: string, isFile: boolean | null, isDir: boolean | null): boolean {
    const rel = this.rel(p);
    if (rel === '' || rel.startsWith('..')) return false;
    const normal = nfc(rel);
    if (isFile) return !this.rules.indexes(normal);
    if (isDir) return this.rules.ignoresDir(normal);
    // Not yet stat-ed: drop only what is ignored whatever it turns out to be.
    return this.rules.ignoresDir(normal);
  }

  private onEvent(event: string, p: string): void {
    this.events++;
    const rel = this.rel(p);
    if (event === 'unlinkDir' && rel === '') {
      this.recoverRoot();
      return;
    }
    if (event === 'addDir' || event === 'unlinkDir') {
      if (rel !== '') this.handlers.onDir(rel);
      return;
    }
    if ((event === 'add' || event === 'change' || event === 'unlink') && this.rules.indexes(nfc(rel))) this.handlers.onPath(rel);
  }

  /** Deleting the watched root stops chokidar for good: watch it afresh and reconcile. */
  private recoverRoot(): void {
    const w = this.watcher;
    if (!w) return;
    w.unwatch(this.root);
    w.add(this.root);
    this.handlers.onMissed('the journal folder was deleted or replaced');
  }

  private onError(err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = code === 'ENOSPC' ? 'ENOSPC: the system limit of inotify watches is reached; changes may be missed' : message;
    if (this.state !== 'down') this.state = 'degraded';
    this.handlers.onMissed(`watcher error: ${this.lastError}`);
  }
}
