/**
 * The sync progress line (src/progress.ts): words a user understands, a percentage and an
 * ETA, on a TTY only.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { estimateRemainingMs, formatEta, progressLine, progressReporter } from '../src/commands/progress.js';
import type { RunProgress } from '../src/core/seam.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('progressLine', () => {
  it('says "syncing", with a bar, counts, percentage and ETA', () => {
    const line = progressLine(2543, 7694, 4000);
    expect(line).toMatch(/^inkdex: syncing [█░]{30} 2543\/7694 33% ETA 4s$/);
    expect(line).not.toContain('cli');
    expect(line.match(/█/g)).toHaveLength(10);
  });

  it('leaves the ETA out until it is known, and copes with an empty run', () => {
    expect(progressLine(0, 100, null)).toBe(`inkdex: syncing ${'░'.repeat(30)} 0/100 0%`);
    expect(progressLine(0, 0, null)).toBe(`inkdex: syncing ${'░'.repeat(30)} 0/0 0%`);
    expect(progressLine(100, 100, 0)).toBe(`inkdex: syncing ${'█'.repeat(30)} 100/100 100% ETA 0s`);
  });
});

describe('ETA', () => {
  it.each([
    [0, '0s'],
    [1, '1s'],
    [3200, '4s'],
    [59_000, '59s'],
    [65_000, '1m05s'],
    [3_720_000, '1h02m'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatEta(ms)).toBe(text);
  });

  it('extrapolates the rate so far', () => {
    expect(estimateRemainingMs(1000, 2000, 500)).toBe(1000);
    expect(estimateRemainingMs(0, 2000, 500)).toBeNull();
    expect(estimateRemainingMs(10, 0, 500)).toBeNull();
  });
});

describe('progressReporter', () => {
  function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
    const written: string[] = [];
    return { stream: { isTTY, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream, written };
  }
  const p = (processed: number, total: number): RunProgress => ({ id: 1, trigger: 'cli', kind: 'full', processed, total, startedAt: '' });

  it('draws on a TTY after a second, with an ETA, and clears the line when done', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, written } = fakeStream(true);
    const r = progressReporter(stream);
    r.update(p(0, 1000));
    vi.setSystemTime(500);
    r.update(p(100, 1000));
    expect(written).toEqual([]); // not before a second
    vi.setSystemTime(1500);
    r.update(p(300, 1000)); // 300 files in 1.5 s → 700 left ≈ 3.5 s
    expect(written).toEqual([`\r\x1b[2Kinkdex: syncing ${'█'.repeat(9)}${'░'.repeat(21)} 300/1000 30% ETA 4s`]);
    r.done();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('writes nothing when stderr is not a terminal', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, written } = fakeStream(false);
    const r = progressReporter(stream);
    r.update(p(0, 10));
    vi.setSystemTime(5000);
    r.update(p(5, 10));
    r.done();
    expect(written).toEqual([]);
  });
});
