/**
 * An index read beside the process that keeps it (a reading `inkdex mcp`): opened when
 * there is one, and reopened when the file is replaced (a rebuild) or — for the wasm
 * engine, whose readers hold a copy — rewritten, so answers follow the keeper's writes
 * within a check interval.
 */
import type { EngineName, IndexReader } from '../core/seam.js';
import { NoIndexError, openForReading, type ReadOnlyIndex } from '../index/read-index.js';

/** How often the file is checked for a replacement. */
const CHECK_EVERY_MS = 200;

export class ReadBeside {
  private index: ReadOnlyIndex | null = null;
  private problem: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private opening: Promise<void> | null = null;

  constructor(
    private readonly db: string,
    private readonly engine: EngineName | null,
  ) {}

  /** Opens the index now if there is one, then keeps checking it. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** The reader in use. Throws when there is no index to read (yet), saying why. */
  reader(): IndexReader {
    if (this.index) return this.index.reader;
    throw this.problem ?? new NoIndexError(`no index at ${this.db} yet`);
  }

  get engineName(): EngineName | null {
    return this.index?.engine ?? null;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.index?.close();
    this.index = null;
  }

  /** Opens, or reopens a stale index; a failure is kept to say why there are no answers. */
  refresh(): Promise<void> {
    this.opening ??= (async () => {
      if (this.index && !this.index.stale()) return;
      try {
        const fresh = await openForReading(this.db, this.engine);
        this.index?.close();
        this.index = fresh;
        this.problem = null;
      } catch (err) {
        // Keep answering from the old copy while a new file is being written; a file that
        // is gone (or never was) leaves nothing to answer from.
        this.problem = err instanceof Error ? err : new Error(String(err));
        if (err instanceof NoIndexError) {
          this.index?.close();
          this.index = null;
        }
      }
    })().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }
}
