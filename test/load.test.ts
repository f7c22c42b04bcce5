/**
 * The load test, small (the full one is `npm run load`, bench/load.ts): 50 concurrent
 * clients on /api/status and /api/entries?q= while a real `inkdex serve` runs its startup
 * sync of 2,000 notes and then indexes a burst of 300 new files. No request may fail or
 * time out; the figures are printed.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateJournal } from '../bench/generate.js';
import { loadPhase, PHASE_TABLE_HEAD, phaseRows, statusUntil, writeBurst } from '../bench/load-driver.js';
import { cleanup, tmpDir } from './helpers.js';
import { startServe } from './serve-helpers.js';

afterEach(() => cleanup.run());

const NOTES = 2000;
const CLIENTS = 50;
const BURST = 300;

describe('load', () => {
  it(`${CLIENTS} clients during a ${NOTES}-note startup sync and a ${BURST}-file burst: no errors`, { timeout: 240_000 }, async () => {
    const journal = path.join(tmpDir('inkdex-load-'), 'journal');
    await generateJournal(journal, NOTES, 7);
    const s = await startServe(journal);
    const opts = { url: s.url, clients: CLIENTS, thinkMs: 50, requestTimeoutMs: 30_000 };

    const startup = await loadPhase('startup', opts, statusUntil(s.url, (st) => st.state === 'idle' && st.counts.entries === NOTES, 180_000));
    const before = (await s.api<{ counts: { entries: number } }>('/api/status')).counts.entries;
    const burstDone = (async () => {
      await writeBurst(s.url, journal, BURST);
      await statusUntil(s.url, (st) => st.state === 'idle' && st.counts.entries === before + BURST, 180_000);
    })();
    const burst = await loadPhase('burst', opts, burstDone);

    process.stdout.write(`\n${[...PHASE_TABLE_HEAD, ...phaseRows(startup), ...phaseRows(burst)].join('\n')}\n`);
    for (const phase of [startup, burst]) {
      expect(phase.errors, phase.errorSamples.join('\n')).toBe(0);
      for (const r of phase.routes) expect(r.requests, `${phase.phase} ${r.route}`).toBeGreaterThan(0);
    }
    expect(s.cli.stderr).not.toMatch(/MaxListenersExceeded|EMFILE|internal error/i);
    const exit = await s.cli.stop('SIGTERM', 5000);
    expect(exit.code).toBe(0);
  });

  // The twin of issue 16's measurement (the figures are the bench's, `npm run load`): a
  // request never waits seconds on the index's writes, and a search past capacity is
  // refused at once. The bounds are far above the targets (status p99 50 ms, search
  // 250 ms): on a shared 2-core machine at a load average of 10 this twin measured status
  // p99 300–600 ms, searches 240–980 ms, whatever the design (docs/benchmarks.md).
  it('status and searches stay prompt during a startup sync and a burst; past capacity a prompt 503', { timeout: 240_000 }, async () => {
    const journal = path.join(tmpDir('inkdex-load-'), 'journal');
    await generateJournal(journal, 3000, 11);
    const s = await startServe(journal);
    const opts = { url: s.url, clients: 40, searchers: 10, periodMs: 250, thinkMs: 0, requestTimeoutMs: 30_000 };
    const startup = await loadPhase('startup', opts, statusUntil(s.url, (st) => st.state === 'idle' && st.counts.entries === 3000, 180_000));
    const burstDone = (async () => {
      await writeBurst(s.url, journal, 1000, 'twin');
      await statusUntil(s.url, (st) => st.state === 'idle' && st.counts.entries === 4000, 180_000);
    })();
    const burst = await loadPhase('burst', opts, burstDone);
    process.stdout.write(`\n${[...PHASE_TABLE_HEAD, ...phaseRows(startup), ...phaseRows(burst)].join('\n')}\n`);
    for (const phase of [startup, burst]) {
      expect(phase.errors, phase.errorSamples.join('\n')).toBe(0);
      const [status, search] = phase.routes;
      expect(status!.refused, `${phase.phase}: /api/status is never refused`).toBe(0);
      expect(status!.p99, `${phase.phase}: /api/status p99`).toBeLessThan(1500);
      if (search!.requests > 0) expect(search!.p99, `${phase.phase}: search p99`).toBeLessThan(2000);
      expect(search!.refusedMax, `${phase.phase}: a 503 comes at once`).toBeLessThan(1000);
    }
    expect((await s.cli.stop('SIGTERM', 5000)).code).toBe(0);
  });
});

