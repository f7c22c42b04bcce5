/**
 * Follows the index file by identity while `serve` runs (SPEC §3), as the watcher follows
 * the journal folder: a look every quarter second notices a deletion or a replacement
 * (a restore, a sync tool); the index is then recovered — written back, or the inkdex
 * index that replaced it adopted — and a full sync brings it up to date. A file that is
 * not an inkdex index is left alone, and health says so until it is gone. Writes never
 * follow a file away from its path: the engines refuse them (index/file-identity.ts).
 */
import { errorMessage } from '../core/errors.js';
import type { FileFate, Recovery, Trigger } from '../core/seam.js';

/** How often the path is looked at (a stat): a deletion is noticed well within SPEC's 2 s. */
const LOOK_EVERY_MS = 250;
/** After a failed recovery (a full disk…), the next attempt waits this long. */
const RETRY_MS = 2000;

export interface FollowedIndex {
  /** The path of the index file (for messages). */
  readonly path: string;
  fate(): FileFate;
  recover(): Promise<Recovery>;
}

export interface FollowerDeps {
  index: FollowedIndex;
  /** Resolves once no run is under way (a run would only fail on the moved file). */
  idle(): Promise<void>;
  requestFull(trigger: Trigger): Promise<unknown>;
  log(line: string): void;
}

export class IndexFollower {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = false;
  private retryAt = 0;
  /** Why the index cannot be kept now, in words (health says it); null when all is well. */
  private trouble: string | null = null;

  constructor(private readonly deps: FollowerDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.look(), LOOK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** What is wrong with the index file now (an unhealthy reason), or null. */
  problem(): string | null {
    return this.trouble;
  }

  /** Looks at the path once; recovers the index if its file left it. */
  async look(): Promise<void> {
    if (this.busy || this.stopped || Date.now() < this.retryAt) return;
    const { index } = this.deps;
    const fate = index.fate();
    if (fate === 'same') {
      this.trouble = null;
      return;
    }
    this.busy = true;
    const what = fate === 'gone' ? 'was deleted' : 'was replaced by another file';
    // Said while the recovery runs (a write-back takes about a second at 10k notes).
    this.trouble ??= `the index file ${index.path} ${what}; inkdex is ${fate === 'gone' ? 'writing it back' : 'checking it'}`;
    try {
      await this.deps.idle();
      if (this.stopped) return;
      const recovery = await index.recover();
      this.settle(recovery, what);
    } catch (err) {
      this.trouble = `the index file ${index.path} ${what} and inkdex could not recover it: ${errorMessage(err)}`;
      this.deps.log(`inkdex: ${this.trouble}; trying again`);
      this.retryAt = Date.now() + RETRY_MS;
    } finally {
      this.busy = false;
    }
  }

  private settle(recovery: Recovery, what: string): void {
    const { index, log } = this.deps;
    switch (recovery.outcome) {
      case 'same':
        this.trouble = null;
        return;
      case 'foreign': {
        const trouble = `the index file ${index.path} was replaced by a file that is not an inkdex index (${recovery.why}); inkdex leaves it alone and writes no index until it is gone`;
        if (this.trouble !== trouble) log(`inkdex: ${trouble}`);
        this.trouble = trouble;
        return;
      }
      case 'restored':
        log(`inkdex: the index file ${index.path} ${what}; the index was written back`);
        break;
      case 'adopted':
        log(`inkdex: the index file ${index.path} was replaced by another inkdex index; it is the index now, and a full sync brings it up to date`);
        break;
      case 'rebuilt':
        log(`inkdex: the index file ${index.path} was replaced by an inkdex index that cannot be used (${recovery.why}); rebuilding it from the folder`);
        break;
    }
    this.trouble = null;
    this.deps.requestFull('watch').catch(() => undefined);
  }
}
