/**
 * Everything about moves in one place (SPEC §3): whether a path is on disk right now,
 * how long a vanished entry is held in case its new path is reported later (the move
 * window), and the pairing of vanished entries with new files by content hash.
 */
import fs from 'node:fs';
import path, { posix } from 'node:path';
import type { IgnoreRules } from '../core/ignore.js';
import { describeFsError, errorCode } from '../core/fs.js';
import type { DiskFile } from './scan.js';
import type { EntryStore, IndexedFile } from '../core/seam.js';

/** A vanished file stays indexed this long, in case its new path is reported later (a move). */
export const MOVE_WINDOW_MS = 2000;

/** 'present', 'gone', or why the path could not be checked (a permission error…). */
export type DiskState = 'present' | 'gone' | { error: string };

/**
 * The one "is it on disk" check. `listed`: a listing made in this run (a path in it is
 * present without a stat). A path is gone only when stat says so (ENOENT, or ENOTDIR
 * because a parent became a file) or when it is no longer an indexable regular file.
 */
export function diskState(root: string, rules: IgnoreRules, rel: string, listed: ReadonlyMap<string, DiskFile> | null = null): DiskState {
  if (listed?.has(rel)) return 'present';
  try {
    const st = fs.lstatSync(path.join(root, rel));
    return st.isFile() && rules.indexes(rel) ? 'present' : 'gone';
  } catch (err) {
    const code = errorCode(err);
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'gone' : { error: `cannot check the file: ${describeFsError(err)}` };
  }
}

/**
 * Vanished paths held indexed until MOVE_WINDOW_MS after they vanished. Time comes from
 * the caller (`now`), so the rules are testable with a fake clock.
 */
export class MoveWindow {
  private readonly held = new Map<string, number>();

  constructor(private readonly windowMs = MOVE_WINDOW_MS) {}

  /** Holds `p` from `since` (a path already held keeps its first time). */
  hold(p: string, since: number): void {
    if (!this.held.has(p)) this.held.set(p, since);
  }

  has(p: string): boolean {
    return this.held.has(p);
  }

  get size(): number {
    return this.held.size;
  }

  /** Takes out the paths whose window has ended: they may now be removed. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (const [p, since] of this.held) if (now - since >= this.windowMs) due.push(p);
    for (const p of due) this.held.delete(p);
    return due;
  }

  /** When the next held path falls due (null when none is held). */
  nextDueAt(): number | null {
    let first: number | null = null;
    for (const since of this.held.values()) if (first === null || since < first) first = since;
    return first === null ? null : first + this.windowMs;
  }

  clear(): void {
    this.held.clear();
  }
}

/**
 * Vanished entries waiting to be claimed by a new file with the same bytes (a move).
 * While watching, the old path's event may not have arrived yet, so an indexed entry
 * with the same hash whose file is gone right now may be claimed too.
 */
export class MovePool {
  private readonly byHash = new Map<string, IndexedFile[]>();
  private readonly claimed = new Set<string>();

  constructor(
    vanished: IndexedFile[],
    private readonly goneNow: ((path: string) => boolean) | null,
    private readonly store: Pick<EntryStore, 'pathsWithHash' | 'indexedByPath'>,
  ) {
    for (const v of vanished) {
      const list = this.byHash.get(v.contentHash);
      if (list) list.push(v);
      else this.byHash.set(v.contentHash, [v]);
    }
  }

  claim(hash: string, newPath: string): IndexedFile | null {
    const candidates = (this.byHash.get(hash) ?? []).filter((v) => !this.claimed.has(v.path));
    let pick = candidates.find((v) => posix.basename(v.path) === posix.basename(newPath)) ?? candidates[0];
    if (!pick && this.goneNow) {
      for (const p of this.store.pathsWithHash(hash)) {
        if (p !== newPath && !this.claimed.has(p) && this.goneNow(p)) {
          pick = this.store.indexedByPath(p);
          break;
        }
      }
    }
    if (!pick) return null;
    this.claimed.add(pick.path);
    return pick;
  }

  unclaimed(): IndexedFile[] {
    const out: IndexedFile[] = [];
    for (const list of this.byHash.values()) for (const v of list) if (!this.claimed.has(v.path)) out.push(v);
    return out;
  }
}
