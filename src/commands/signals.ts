/**
 * How a command leaves on SIGINT/SIGTERM (SPEC §1: within 2 s of a signal, whatever
 * happens): the first signal asks it to finish up; from then on a deadline, or a second
 * signal, makes it leave at once with exit code 0.
 */

/** Under SPEC's 2 s, with room for the process to end. */
export const SHUTDOWN_DEADLINE_MS = 1800;

export interface ShutdownSignals {
  /** The first signal received; null before it. */
  readonly signal: string | null;
  /** Resolves with the first signal. */
  readonly received: Promise<string>;
  /**
   * From now on: leave when the deadline passes (saying `tooLong` on stderr first), or at
   * once on another signal.
   */
  startDeadline(tooLong: string): void;
  /** Stops listening (the command ended on its own). */
  dispose(): void;
}

/**
 * Listens from now on: call it before anything slow, so that a signal while the index
 * loads cannot kill the process holding the lock.
 * @param lastWords runs just before leaving early (e.g. releasing the lock)
 */
export function shutdownSignals(lastWords: () => void = () => undefined): ShutdownSignals {
  let resolve!: (signal: string) => void;
  const received = new Promise<string>((r) => (resolve = r));
  const leave = (): never => {
    lastWords();
    process.exit(0);
  };
  const state = {
    signal: null as string | null,
    received,
    startDeadline(tooLong: string): void {
      setTimeout(() => {
        process.stderr.write(tooLong + '\n');
        leave();
      }, SHUTDOWN_DEADLINE_MS).unref();
    },
    dispose(): void {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
  const onSignal = (signal: string): void => {
    if (state.signal !== null) leave(); // a second signal: leave at once
    state.signal = signal;
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return state;
}
