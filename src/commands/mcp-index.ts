/**
 * The index an `inkdex mcp` answers from (SPEC §5.1), in one of two roles. Keeping: the
 * lock was free, so it keeps the index itself (what serve does, without HTTP). Reading:
 * another inkdex holds the lock, so it reads the index that process keeps. It changes
 * role on its own: asked by a starting `serve` (HAND_OVER_SIGNAL) it finishes its batch,
 * writes the index and lets go of it, reading from then on; when the holder goes away it
 * takes the lock and keeps the index itself — both within 2 s.
 */
import { LockedError, errorMessage } from '../core/errors.js';
import type { IndexReader, RunProgress, RunSummary } from '../core/seam.js';
import { StatusSource, type Status } from '../core/status.js';
import { HAND_OVER_SIGNAL, lockHolder, lockLooksFree } from '../index/lock.js';
import { NoIndexError } from '../index/read-index.js';
import type { Config } from './config.js';
import { whenBuilt } from './first-build.js';
import { follow } from './follow.js';
import { keepIndex, type Keeper } from './keeper.js';
import { openKeptIndex } from './kept-index.js';
import { ReadBeside } from './read-beside.js';
import { packageVersion } from './version.js';

/** How often a reading mcp looks whether the lock has become free. */
const TAKE_OVER_POLL_MS = 300;

export type McpRole = 'keeping' | 'reading';

export class McpIndex {
  private keeper: Keeper | null = null;
  private reading: { index: ReadBeside; status: StatusSource } | null = null;
  private poll: NodeJS.Timeout | null = null;
  /** A change of role under way. */
  private changing: Promise<void> | null = null;
  private closed = false;
  /** Whether a keeper starts watching and syncing at once (false until `go`). */
  private going = false;
  /** Asked to hand over before the keeper was ready: done as soon as it is. */
  private handOverAsked = false;
  private readonly onHandOver = (): void => {
    if (this.closed) return;
    if (!this.keeper || this.changing) {
      // Still opening (or changing role): serve asks again every few ms, but do not count on it.
      this.handOverAsked = true;
      return;
    }
    this.change(() => this.handOver());
  };

  constructor(
    private readonly config: Config,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Keeps the index when its lock is free, else reads it; from then on follows the other
   * processes. A keeper answers from the index as it is; it starts watching and syncing
   * on `go`, so that the work does not delay the first answer.
   */
  async start(): Promise<void> {
    // Listening before the lock can name this process: the signal's default is to end it.
    process.on(HAND_OVER_SIGNAL, this.onHandOver);
    if (!(await this.tryToKeep())) await this.read();
    if (this.handOverAsked) this.onHandOver();
    this.poll = setInterval(() => {
      if (this.keeper || this.changing || this.closed || !lockLooksFree(this.config.db)) return;
      this.change(async () => {
        if (await this.tryToKeep()) this.log('inkdex: the process keeping the index has ended: this mcp keeps it from now on');
      });
    }, TAKE_OVER_POLL_MS);
    this.poll.unref();
  }

  /** From now on a keeper watches and syncs (the first now, if this process keeps the index). */
  go(): void {
    this.going = true;
    this.keeper?.start().catch((err: unknown) => this.log(`inkdex: ${errorMessage(err)}`));
  }

  get role(): McpRole {
    return this.keeper ? 'keeping' : 'reading';
  }

  /** The reader in use (throws, saying why, when there is no index to read yet). */
  reader(): IndexReader {
    if (this.keeper) return this.keeper.queries;
    if (!this.reading) throw new Error('the index is being handed over: ask again in a moment');
    try {
      return this.reading.index.reader();
    } catch (err) {
      const holder = err instanceof NoIndexError ? lockHolder(this.config.db) : null;
      if (holder) throw new Error(`the index ${this.config.db} is being built by ${holder.command} (process ${holder.pid}): ask again in a moment`);
      throw err;
    }
  }

  /** Resolves once the index can answer (see first-build.ts). */
  ready(): Promise<void> {
    return whenBuilt(() => this.reader(), () => this.status().currentRun, this.config.db);
  }

  /** The `/api/status` object as this process knows it, with who keeps the index. */
  status(): Status & { mcp: { role: McpRole; keptBy: { pid: number; command: string } | null } } {
    const status = this.keeper ? this.keeper.status.status() : this.reading ? this.reading.status.status() : null;
    if (!status) throw new Error('the index is being handed over: ask again in a moment');
    const holder = this.keeper ? { pid: process.pid, command: 'inkdex mcp' } : lockHolder(this.config.db);
    return { ...status, mcp: { role: this.role, keptBy: holder && { pid: holder.pid, command: holder.command } } };
  }

  /** Stops following: the index written and the lock released when keeping. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    process.off(HAND_OVER_SIGNAL, this.onHandOver);
    await this.changing;
    await this.keeper?.stop();
    this.reading?.index.close();
  }

  private change(step: () => Promise<void>): void {
    this.handOverAsked = false;
    this.changing = step()
      .catch((err: unknown) => this.log(`inkdex: ${errorMessage(err)}`))
      .finally(() => {
        this.changing = null;
        // Asked meanwhile (a serve starting just as this process took the lock back).
        if (this.handOverAsked && this.keeper) this.onHandOver();
      });
  }

  /** Takes the lock and keeps the index, if nobody else holds it. */
  private async tryToKeep(): Promise<boolean> {
    let index;
    try {
      index = await openKeptIndex(this.config, this.log);
    } catch (err) {
      if (err instanceof LockedError) return false;
      throw err;
    }
    const keeper = keepIndex(this.config, index, this.log);
    this.keeper = keeper;
    this.reading?.index.close();
    this.reading = null;
    // Answer at once from the index as it is; the watcher and the startup sync follow.
    if (this.going) keeper.start().catch((err: unknown) => this.log(`inkdex: ${errorMessage(err)}`));
    return true;
  }

  /** Serve wants the index: finish the batch, write it, read it from now on, let go of the lock. */
  private async handOver(): Promise<void> {
    const keeper = this.keeper!;
    this.log('inkdex: inkdex serve asks for the index: handing it over, reading it from now on');
    await keeper.stop(false);
    // The wasm engine's file is complete once written, and closing its copy in memory
    // writes nothing: the lock goes at once, before the reader loads the file. The native
    // engine still writes on closing (its log folded in), so its lock goes after that;
    // its reader opens first, in no time, so no question goes unanswered meanwhile.
    if (keeper.index.file.engine === 'wasm') keeper.index.releaseLock();
    await this.read();
    this.keeper = null;
    await keeper.index.close();
  }

  private async read(): Promise<void> {
    const index = new ReadBeside(this.config.db, this.config.engine);
    await index.start();
    const queries = follow(() => index.reader());
    const status = new StatusSource({
      queries,
      indexer: {
        // What the index says of the runs of the process keeping it.
        get current(): RunProgress | null {
          const newest = queries.runs(1, null)[0];
          return newest?.status === 'running'
            ? { id: newest.id, trigger: newest.trigger as RunProgress['trigger'], kind: newest.kind as RunProgress['kind'], processed: 0, total: 0, startedAt: newest.startedAt }
            : null;
        },
        get lastRun(): RunSummary | null {
          return (queries.lastFinishedRun() as RunSummary | undefined) ?? null;
        },
        lagMs: () => 0,
      },
      // The watching is the keeping process's: watching while it lives.
      watcher: { status: () => ({ state: lockHolder(this.config.db) ? 'watching' : 'down', files: 0, dirs: 0, lastError: null, events: 0 }) },
      indexFile: {
        get engine() {
          return index.engineName ?? 'native';
        },
        // Nothing written by this process: the status reads the file's size and time from the disk.
        status: () => ({ lastWriteAt: null, sizeBytes: 0, error: null }),
      },
      journal: this.config.journal,
      db: this.config.db,
      version: packageVersion(),
    });
    this.reading = { index, status };
  }
}
