/**
 * The wall clock a run stamps its rows with (runs, events, the days of daily_stats), and
 * the API's "today": injectable, so that tests can live through several days in seconds.
 * Only recorded times follow it; timers and the racy-stat check keep the real clock.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The system clock moved by `shiftMs` (tests: `INKDEX_TEST_CLOCK_SHIFT_MS`, config.ts).
 * A shift rather than a fixed instant: time still runs, so durations stay real and a test
 * can start a process a second before midnight and watch the day turn.
 */
export function shiftedClock(shiftMs: number): Clock {
  return shiftMs === 0 ? systemClock : { now: () => Date.now() + shiftMs };
}
