/**
 * The journal folder → "look at this path" / "list this folder" hints (SPEC §3: events
 * are hints, folders are the truth).
 *
 * One `fs.watch` (inotify) per folder, none per file: a folder's watch reports every
 * name created, written, renamed or deleted in it. The folder tree is walked in slices
 * of a few milliseconds, so starting on 100k notes never stalls the API (chokidar 5 kept
 * one watch per file and blocked the event loop for a second at 10k, ~11 s and 940 MiB
 * at 100k — docs/benchmarks.md, "Watching the folder").
 *
 * What the watcher owns: the set of watched folders. A name created or removed in a
 * folder makes it re-list that folder: a new subfolder is watched (and walked) and then
 * reported "deep" (everything below it must be compared with the index, whatever
 * happened in it before its watch existed); a watched subfolder that is gone, or
 * replaced by a file or by another folder, is dropped and reported deep too.
 *
 * A folder that cannot be watched (no read permission, the inotify watch limit) makes
 * the state 'degraded' with the reason, for as long as it lasts: it is tried again with
 * backoff (and at once when its parent reports a change to it, e.g. a chmod); once it is
 * watched, or gone, the error clears and `onCleared` says so.
 *
 * The root itself is checked by identity (dev + inode), not only by path: renamed away
 * (`mv journal journal.old`), deleted, re-created or replaced, the old watches are
 * dropped (they would follow the old folder), the state is 'down' with a reason (health
 * says unhealthy), and the root is retried with backoff until a folder is back; then
 * everything is watched afresh and `onRecovered` asks for the catch-up full sync.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IgnoreRules } from '../core/ignore.js';
import type { WatcherState, WatcherStatus } from '../core/health.js';
import { nfc } from '../core/nfc.js';
import { errorMessage } from '../core/errors.js';
import { nextTurn, TimeSlice } from '../core/time-slice.js';
import { Backoff } from '../core/backoff.js';
import { isUnder } from '../core/diff.js';

export interface WatchHandlers {
  /** An indexable file path (relative, as on disk) was named by an event. */
  onPath(rel: string): void;
  /**
   * List this folder (relative, as on disk; '' is the root) and compare it with the
   * index: its own files (`deep` false), or everything below it (`deep` true: it appeared,
   * vanished or was replaced).
   */
  onDir(rel: string, deep: boolean): void;
  /** Events may have been missed (a watch could not be added): reconcile in full. */
  onMissed(reason: string): void;
  /** The journal folder is back (or was replaced) and watched afresh: reconcile in full now. */
  onRecovered(reason: string): void;
  /** A folder that could not be watched is watched now, or gone: its error is cleared. */
  onCleared?(message: string): void;
}

export interface WatchOptions {
  /** The longest the walk holds the event loop before yielding (ms). */
  sliceMs?: number;
  /** How often the root's identity is checked besides its parent's events (ms). */
  rootCheckMs?: number;
  /** First and largest delay between checks for a missing journal folder, or between tries of a folder that could not be watched (ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface RootId {
  dev: number;
  ino: number;
  born: number;
}

interface Watched {
  watcher: fs.FSWatcher;
  ino: number;
  dev: number;
  /** Indexable files seen at its last listing (for the status counts). */
  files: number;
}

const ROOT_CHECK_MS = 500;
/** Events naming the root in its parent are gathered this long before it is watched afresh. */
const SUSPECT_DELAY_MS = 30;

export class JournalWatcher {
  private readonly watched = new Map<string, Watched>();
  /** Watched folder → its watched subfolders (relative paths). */
  private readonly children = new Map<string, Set<string>>();
  private parentWatch: fs.FSWatcher | null = null;
  private rootId: RootId | null = null;
  /** 'degraded' is not kept here: it is 'watching' with folders in `unwatched`. */
  private state: Exclude<WatcherState, 'degraded'> = 'starting';
  /** Why the journal folder is down (null unless it is). */
  private downReason: string | null = null;
  /** Folders that could not be watched (relative) → why, in the order they failed. */
  private readonly unwatched = new Map<string, string>();
  private unwatchedTimer: NodeJS.Timeout | null = null;
  private readonly unwatchedBackoff: Backoff;
  private events = 0;
  private files = 0;
  private closed = false;
  /** Bumped whenever the whole tree is dropped: walks of an older generation stop. */
  private generation = 0;
  private readonly relists = new Set<string>();
  /**
   * When each folder may be re-listed again (performance.now()): a re-list waits 4× the
   * last one's duration after it, so a burst into a folder of thousands of files re-lists
   * it a few times, not after every event (measured: ~0.4 s of the answering thread for a
   * 10,000-file burst). Small folders re-list at once. A late re-list loses nothing: it
   * reads the folder as it is then.
   */
  private readonly relistDue = new Map<string, number>();
  /** Folders whose watch reported itself gone: dropped before the next re-list. */
  private readonly rewatches = new Set<string>();
  private pumping: Promise<void> | null = null;
  private rootTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private suspectTimer: NodeJS.Timeout | null = null;
  private readonly rootBackoff: Backoff;
  private readonly sliceMs: number;
  private readonly rootCheckMs: number;

  constructor(
    private readonly root: string,
    private readonly rules: IgnoreRules,
    private readonly handlers: WatchHandlers,
    opts: WatchOptions = {},
  ) {
    this.sliceMs = opts.sliceMs ?? 4;
    this.rootCheckMs = opts.rootCheckMs ?? ROOT_CHECK_MS;
    this.rootBackoff = new Backoff(opts.retryMinMs ?? 100, opts.retryMaxMs ?? 5000);
    this.unwatchedBackoff = new Backoff(opts.retryMinMs ?? 100, opts.retryMaxMs ?? 5000);
  }

  /** Starts watching; resolves once every folder is watched. */
  async start(): Promise<void> {
    this.watchParent();
    this.rootTimer = setInterval(() => this.checkRoot(), this.rootCheckMs);
    this.rootTimer.unref();
    const id = this.statRoot();
    if (!id) {
      this.goDown('the journal folder is missing');
      return;
    }
    this.rootId = id;
    await this.attachTree('', this.generation);
    if (this.state === 'starting') this.state = 'watching';
  }

  status(): WatcherStatus {
    const lastUnwatched = [...this.unwatched.values()].pop() ?? null;
    const state = this.state === 'watching' && lastUnwatched !== null ? 'degraded' : this.state;
    return { state, files: this.files, dirs: this.watched.size, lastError: this.downReason ?? lastUnwatched, events: this.events };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.state = 'down';
    for (const t of [this.rootTimer, this.retryTimer, this.suspectTimer, this.unwatchedTimer]) if (t) clearTimeout(t);
    this.parentWatch?.close();
    this.parentWatch = null;
    this.dropAll();
    await this.pumping;
  }

  // ---- the root --------------------------------------------------------------------

  private statRoot(): RootId | null {
    try {
      const st = fs.statSync(this.root);
      // Birth time where the file system keeps one (0 elsewhere): an inode number reused
      // by a re-created folder still differs in it.
      return st.isDirectory() ? { dev: st.dev, ino: st.ino, born: st.birthtimeMs } : null;
    } catch {
      return null;
    }
  }

  /** The root's parent reports the root's name being renamed, deleted or created at once. */
  private watchParent(): void {
    const name = path.basename(this.root);
    try {
      this.parentWatch = fs.watch(path.dirname(this.root), { persistent: false }, (type, file) => {
        if (file !== null && file !== name) return;
        // The root's name was created, deleted or renamed. A folder re-created at once may
        // get the deleted one's inode number back, so identity alone cannot tell: watch
        // afresh (once for a burst of such events) and let a full sync catch up.
        if (type === 'rename') this.suspectRoot();
        else this.checkRoot();
      });
      this.parentWatch.on('error', () => {
        this.parentWatch?.close();
        this.parentWatch = null; // the timer still checks the root
      });
    } catch {
      this.parentWatch = null;
    }
  }

  private suspectRoot(): void {
    if (this.closed || this.suspectTimer) return;
    this.suspectTimer = setTimeout(() => {
      this.suspectTimer = null;
      if (this.closed) return;
      if (this.state === 'down') this.scheduleRetry(0);
      else this.goDown('the journal folder was deleted, renamed or replaced');
    }, SUSPECT_DELAY_MS);
  }

  /** Is the root still the folder we watch? */
  private checkRoot(): void {
    if (this.closed || this.state === 'down') return;
    const id = this.statRoot();
    if (id && this.rootId && id.dev === this.rootId.dev && id.ino === this.rootId.ino && id.born === this.rootId.born) return;
    this.goDown(id ? 'the journal folder was replaced by another folder' : 'the journal folder is missing (deleted or renamed away)');
  }

  /** Drops every watch (they follow the old folder) and retries the root with backoff. */
  private goDown(reason: string): void {
    if (this.closed) return;
    this.state = 'down';
    this.downReason = `${reason}; changes are not indexed until it is back`;
    this.dropAll();
    this.rootBackoff.reset();
    this.scheduleRetry(0);
  }

  private scheduleRetry(delay: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retryRoot();
    }, delay);
  }

  private async retryRoot(): Promise<void> {
    if (this.closed || this.state !== 'down') return;
    const id = this.statRoot();
    if (!id) {
      this.scheduleRetry(this.rootBackoff.failed());
      return;
    }
    this.rootId = id;
    const gen = this.generation;
    // Watch first, then reconcile: a change made while the full sync runs is seen.
    await this.attachTree('', gen);
    if (this.closed || gen !== this.generation) return;
    if (!this.parentWatch) this.watchParent();
    this.state = 'watching';
    this.downReason = null;
    this.handlers.onRecovered('the journal folder is back');
    this.checkRoot(); // replaced again while we walked?
  }

  // ---- the folder tree ---------------------------------------------------------------

  private dropAll(): void {
    this.generation++;
    for (const w of this.watched.values()) w.watcher.close();
    this.watched.clear();
    this.children.clear();
    this.relists.clear();
    this.relistDue.clear();
    this.rewatches.clear();
    this.files = 0;
    // The tree is attached afresh later: what cannot be watched then is found again.
    this.unwatched.clear();
    if (this.unwatchedTimer) clearTimeout(this.unwatchedTimer);
    this.unwatchedTimer = null;
  }

  /**
   * Watches `dir` and every folder below it that is not watched yet, yielding every
   * few ms. @returns false when the walk was cut short (the tree was dropped meanwhile).
   */
  private async attachTree(dir: string, gen: number): Promise<boolean> {
    const stack = [dir];
    const slice = new TimeSlice(this.sliceMs);
    while (stack.length > 0) {
      await slice.yieldIfSpent();
      if (this.closed || gen !== this.generation) return false;
      const d = stack.pop()!;
      if (this.watched.has(d)) {
        if (d !== dir) continue;
      } else if (!this.watchOne(d)) continue;
      let names: fs.Dirent[];
      try {
        // Off the main thread: a folder of thousands of notes is a long readdir.
        names = await fs.promises.readdir(this.abs(d), { withFileTypes: true });
      } catch {
        continue; // gone again: its parent's re-list drops it
      }
      if (this.closed || gen !== this.generation) return false;
      this.setFiles(d, names);
      for (const e of names) {
        if (!e.isDirectory()) continue;
        const sub = d === '' ? e.name : `${d}/${e.name}`;
        if (!this.rules.ignoresDir(nfc(sub)) && !this.watched.has(sub)) stack.push(sub);
      }
    }
    return true;
  }

  /** Adds one folder's watch. */
  private watchOne(dir: string): boolean {
    let st: fs.Stats;
    let watcher: fs.FSWatcher;
    try {
      st = fs.lstatSync(this.abs(dir));
      if (!st.isDirectory()) return false;
      watcher = fs.watch(this.abs(dir), { persistent: false }, (type, name) => this.onFsEvent(dir, type, name));
    } catch (err) {
      this.onWatchError(dir, err);
      return false;
    }
    watcher.on('error', () => {
      // The folder went away under its watch: re-list its parent, which drops it.
      this.queueRelist(parentOf(dir));
      if (dir === '') this.checkRoot();
    });
    this.watched.set(dir, { watcher, ino: st.ino, dev: st.dev, files: 0 });
    this.forgetUnwatched(dir, 'watched');
    if (dir !== '') {
      const parent = parentOf(dir);
      let set = this.children.get(parent);
      if (!set) this.children.set(parent, (set = new Set()));
      set.add(dir);
    }
    return true;
  }

  /** Stops watching `dir` and everything below it. */
  private detachTree(dir: string): void {
    const stack = [dir];
    while (stack.length > 0) {
      const d = stack.pop()!;
      const w = this.watched.get(d);
      if (w) {
        w.watcher.close();
        this.files -= w.files;
        this.watched.delete(d);
      }
      for (const c of this.children.get(d) ?? []) stack.push(c);
      this.children.delete(d);
    }
    if (dir !== '') this.children.get(parentOf(dir))?.delete(dir);
    // Folders below it that could not be watched are tried again when it is attached again.
    for (const u of [...this.unwatched.keys()]) if (u !== dir && isUnder(u, [dir])) this.unwatched.delete(u);
  }

  private onFsEvent(dir: string, type: string, name: string | Buffer | null): void {
    // Not dropped while 'down': the watches re-attached after the root came back report
    // (a folder made during that walk would otherwise never be watched). Watches of an
    // older tree are closed and report nothing.
    if (this.closed) return;
    this.events++;
    const file = typeof name === 'string' ? name : name?.toString() ?? null;
    if (file === null) {
      this.queueRelist(dir);
      this.handlers.onDir(dir, false);
      return;
    }
    if (file === path.basename(this.abs(dir))) {
      // The folder's own watch reporting itself deleted or moved (inotify's DELETE_SELF /
      // MOVE_SELF carry the folder's name). Its watch is dead even if a folder of the same
      // name (and, ext4 reusing it, the same inode number) stands there again: watch it
      // afresh. (A child named like its folder costs a needless re-walk, nothing more.)
      if (dir === '') this.suspectRoot();
      else this.queueRewatch(dir);
    }
    const rel = dir === '' ? file : `${dir}/${file}`;
    if (this.rules.indexes(nfc(rel))) this.handlers.onPath(rel);
    // A folder that could not be watched changed (a chmod, say): try it again now.
    if (this.unwatched.has(rel)) this.scheduleUnwatchedRetry(0);
    // A name appeared or vanished ('rename'): the folder's listing is the truth.
    if (type === 'rename') {
      this.queueRelist(dir);
      this.handlers.onDir(dir, false);
    }
  }

  /** Drops the watches of `dir` and below; its parent's re-list watches what stands there now. */
  private queueRewatch(dir: string): void {
    this.rewatches.add(dir);
    this.queueRelist(parentOf(dir));
  }

  private queueRelist(dir: string): void {
    if (this.closed) return;
    this.relists.add(dir);
    this.pumping ??= (async () => {
      await nextTurn();
      try {
        while (this.relists.size > 0 && !this.closed) {
          for (const d of this.rewatches) {
            if (!this.watched.has(d)) continue;
            this.detachTree(d);
            this.handlers.onDir(d, true);
          }
          this.rewatches.clear();
          const [d, wait] = this.nextRelist();
          if (d === null) {
            await new Promise((resolve) => setTimeout(resolve, wait));
            continue;
          }
          this.relists.delete(d);
          const started = performance.now();
          await this.relist(d);
          const spent = performance.now() - started;
          if (spent >= RELIST_MIN_COST_MS) this.relistDue.set(d, performance.now() + RELIST_QUIET_FACTOR * spent);
        }
      } finally {
        this.pumping = null;
      }
    })();
  }

  /** A queued folder that may be re-listed now, or null and how long until the first may be. */
  private nextRelist(): [string, number] | [null, number] {
    const now = performance.now();
    let wait = Infinity;
    for (const d of this.relists) {
      const due = this.relistDue.get(d);
      if (due === undefined || due <= now) {
        this.relistDue.delete(d);
        return [d, 0];
      }
      wait = Math.min(wait, due - now);
    }
    return [null, Math.ceil(wait)];
  }

  /** Re-lists a watched folder: watches new subfolders, drops vanished or replaced ones. */
  private async relist(dir: string): Promise<void> {
    const gen = this.generation;
    if (dir === '') {
      this.checkRoot();
      if (this.state === 'down') return;
    }
    const self = this.watched.get(dir);
    if (!self) return;
    let names: fs.Dirent[];
    try {
      // Read off the main thread (libuv's pool): a folder of 10,000 files takes ~20–300 ms to
      // list, and a burst into it re-lists it again and again — synchronously, that held the
      // API for up to 0.3 s at a time (issue 16: status p99 while 10,000 files arrive).
      const st = await fs.promises.lstat(this.abs(dir));
      if (!st.isDirectory() || st.ino !== self.ino || st.dev !== self.dev) throw Object.assign(new Error('replaced'), { code: 'ENOENT' });
      names = await fs.promises.readdir(this.abs(dir), { withFileTypes: true });
    } catch {
      if (this.closed || gen !== this.generation || this.watched.get(dir) !== self) return;
      if (dir === '') return this.checkRoot();
      // Gone or replaced: its parent's listing decides what stands there now.
      this.detachTree(dir);
      this.handlers.onDir(dir, true);
      this.queueRelist(parentOf(dir));
      return;
    }
    // The tree changed while the folder was read (dropped, or this folder replaced): a later re-list sees it.
    if (this.closed || gen !== this.generation || this.watched.get(dir) !== self) return;
    this.setFiles(dir, names);
    const present = new Set<string>();
    const fresh: string[] = [];
    for (const e of names) {
      if (!e.isDirectory()) continue;
      const sub = dir === '' ? e.name : `${dir}/${e.name}`;
      if (this.rules.ignoresDir(nfc(sub))) continue;
      present.add(sub);
      const known = this.watched.get(sub);
      if (known) {
        const st = lstatOrNull(this.abs(sub));
        if (st && st.isDirectory() && st.ino === known.ino && st.dev === known.dev) continue;
        this.detachTree(sub); // a folder replaced by another of the same name
      }
      fresh.push(sub);
    }
    for (const sub of [...(this.children.get(dir) ?? [])]) {
      if (present.has(sub)) continue;
      this.detachTree(sub); // gone, renamed away, or now a file
      this.handlers.onDir(sub, true);
    }
    for (const sub of [...this.unwatched.keys()]) if (sub !== '' && parentOf(sub) === dir && !present.has(sub)) this.forgetUnwatched(sub, 'gone');
    for (const sub of fresh) {
      // Watch it (and below) first, then list it all: files made before the watches existed are found.
      if (!(await this.attachTree(sub, gen))) return;
      this.handlers.onDir(sub, true);
    }
  }

  private setFiles(dir: string, names: fs.Dirent[]): void {
    const w = this.watched.get(dir);
    if (!w) return;
    const dirNfc = nfc(dir);
    let n = 0;
    for (const e of names) if (!e.isDirectory() && this.rules.indexesIn(dirNfc, nfc(e.name))) n++;
    this.files += n - w.files;
    w.files = n;
  }

  private onWatchError(dir: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // Gone meanwhile: its parent's re-list sees it.
      this.forgetUnwatched(dir, 'gone');
      return;
    }
    const why =
      code === 'ENOSPC'
        ? 'ENOSPC: the system limit of inotify watches is reached; changes may be missed'
        : `cannot watch ${nameOf(dir)}: ${errorMessage(err)}`;
    const known = this.unwatched.get(dir) === why;
    this.unwatched.delete(dir); // re-set: the latest failure is the one status() shows
    this.unwatched.set(dir, why);
    this.scheduleUnwatchedRetry(null);
    // Tried again and still failing: said already.
    if (!known) this.handlers.onMissed(`watcher error: ${why}`);
  }

  /** A folder that could not be watched is watched now, or gone: its error is cleared. */
  private forgetUnwatched(dir: string, now: 'watched' | 'gone'): void {
    if (!this.unwatched.delete(dir)) return;
    if (this.unwatched.size === 0) {
      if (this.unwatchedTimer) clearTimeout(this.unwatchedTimer);
      this.unwatchedTimer = null;
      this.unwatchedBackoff.reset();
    }
    this.handlers.onCleared?.(now === 'watched' ? `watching ${nameOf(dir)} again` : `${nameOf(dir)}, which could not be watched, is gone`);
  }

  /** Tries the folders that could not be watched again after `delay` ms (null: the next backoff step, unless a try is already due). */
  private scheduleUnwatchedRetry(delay: number | null): void {
    if (this.closed || (delay === null && this.unwatchedTimer)) return;
    if (this.unwatchedTimer) clearTimeout(this.unwatchedTimer);
    this.unwatchedTimer = setTimeout(() => {
      this.unwatchedTimer = null;
      void this.retryUnwatched();
    }, delay ?? this.unwatchedBackoff.failed());
    this.unwatchedTimer.unref();
  }

  /** Watches (and walks) each folder that could not be watched, if it can be now; below it everything is listed. */
  private async retryUnwatched(): Promise<void> {
    const gen = this.generation;
    for (const dir of [...this.unwatched.keys()]) {
      if (this.closed || gen !== this.generation || this.state === 'down') return;
      if (!this.unwatched.has(dir)) continue;
      // Its parent is no longer watched: the parent's own re-attach will try it.
      if (dir !== '' && !this.watched.has(parentOf(dir))) {
        this.unwatched.delete(dir);
        continue;
      }
      if (!(await this.attachTree(dir, gen))) return;
      // Nothing below it was followed while it could not be watched.
      if (this.watched.has(dir)) this.handlers.onDir(dir, true);
    }
    if (this.unwatched.size > 0) this.scheduleUnwatchedRetry(null);
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }
}

/** A re-list waits this many times the previous one's duration (see relistDue)… */
const RELIST_QUIET_FACTOR = 4;
/** …once one took this long (smaller folders: at once). */
const RELIST_MIN_COST_MS = 2;

function nameOf(dir: string): string {
  return dir === '' ? 'the journal folder' : dir;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}
