/**
 * How long to wait before trying again what failed: a first delay that doubles with each
 * failure in a row, up to a ceiling, and starts over once it works. Pure; the callers
 * own their timers (the indexer's retries of failed runs, the watcher's of the journal
 * folder and of folders it could not watch).
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {}

  /** Counts one more failure; the delay before the next try: firstMs, doubling, at most maxMs. */
  failed(): number {
    const delay = Math.min(this.firstMs * 2 ** Math.min(this.failures, 30), this.maxMs);
    this.failures++;
    return delay;
  }

  /** It worked: the next failure waits firstMs again. */
  reset(): void {
    this.failures = 0;
  }
}
