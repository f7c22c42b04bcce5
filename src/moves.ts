/**
 * Move detection: a vanished entry is claimed by a new file with the same bytes, which
 * then keeps the entry's id (SPEC §3).
 */
import type { EntryStore as Store, IndexedFile } from './index-types.js';

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
    private readonly store: Store,
  ) {
    for (const v of vanished) {
      const list = this.byHash.get(v.contentHash);
      if (list) list.push(v);
      else this.byHash.set(v.contentHash, [v]);
    }
  }

  claim(hash: string, newPath: string): IndexedFile | null {
    const candidates = (this.byHash.get(hash) ?? []).filter((v) => !this.claimed.has(v.path));
    let pick = candidates.find((v) => baseName(v.path) === baseName(newPath)) ?? candidates[0];
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

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

