/**
 * Long synchronous loops (a folder walk, a run's writes, attaching watches) give the event
 * loop a turn every few milliseconds, so the API, signals and file events keep being
 * served: `TimeSlice` says when the current slice is spent and yields.
 */

/** One turn of the event loop (setImmediate: after the I/O callbacks that are ready). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class TimeSlice {
  private start = Date.now();

  constructor(private readonly ms: number) {}

  /** True once the current slice has lasted `ms`. */
  spent(): boolean {
    return Date.now() - this.start >= this.ms;
  }

  /** Gives the event loop a turn, then starts a new slice. */
  async yield(): Promise<void> {
    await nextTurn();
    this.start = Date.now();
  }

  /** Yields when the slice is spent. @returns whether it did. */
  async yieldIfSpent(): Promise<boolean> {
    if (!this.spent()) return false;
    await this.yield();
    return true;
  }
}
