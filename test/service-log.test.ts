/**
 * The log `inkdex serve` keeps for a service manager (src/service-log.ts): what each line
 * says, and which events make one.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, formatHealth, formatRun, formatWarning, healthKey, ServiceLog, type HealthSnapshot, type RunLine } from '../src/commands/service-log.js';

function run(over: Partial<RunLine> = {}): RunLine {
  return { trigger: 'watch', kind: 'incremental', status: 'succeeded', durationMs: 12, scanned: 1, added: 0, updated: 0, unchanged: 0, moved: 0, removed: 0, errors: 0, message: null, ...over };
}

describe('formatRun', () => {
  it('says the trigger, the changes, the errors and the time', () => {
    expect(formatRun(run({ updated: 1 }))).toBe('inkdex: watch sync: 1 updated, 0 errors in 12 ms');
    expect(formatRun(run({ added: 2, moved: 1, removed: 3, errors: 1 }))).toBe('inkdex: watch sync: 2 added, 1 moved, 3 removed, 1 error in 12 ms');
  });

  it('gives a full run its number of files', () => {
    expect(formatRun(run({ trigger: 'startup', kind: 'full', scanned: 632, added: 632, durationMs: 1523 }))).toBe(
      'inkdex: startup sync of 632 files: 632 added, 0 errors in 1.52 s',
    );
    expect(formatRun(run({ trigger: 'scheduled', kind: 'full', scanned: 1, unchanged: 1 }))).toBe('inkdex: scheduled sync of 1 file: no changes, 0 errors in 12 ms');
  });

  it('says why a run failed, on one line, and what it did before', () => {
    expect(formatRun(run({ status: 'failed', durationMs: 3, message: 'journal folder /j is missing' }))).toBe(
      'inkdex: watch sync failed after 3 ms: journal folder /j is missing',
    );
    expect(formatRun(run({ status: 'failed', trigger: 'manual', kind: 'full', scanned: 10, updated: 2, message: 'disk full\n  at write' }))).toBe(
      'inkdex: manual sync of 10 files failed after 12 ms: disk full at write (2 updated before it stopped)',
    );
    expect(formatRun(run({ status: 'failed', message: null }))).toContain('failed after 12 ms: no reason recorded');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [999, '999 ms'],
    [1000, '1.00 s'],
    [12_345, '12.35 s'],
    [125_000, '2 min 5 s'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatHealth / formatWarning', () => {
  it('says the level and the reasons', () => {
    expect(formatHealth({ health: 'degraded', reasons: ['2 files have problems'] })).toBe('inkdex: health degraded: 2 files have problems');
    expect(formatHealth({ health: 'unhealthy', reasons: ['the file watcher is down: changes are not seen', '1 file has problems'] })).toBe(
      'inkdex: health unhealthy: the file watcher is down: changes are not seen; 1 file has problems',
    );
    expect(formatHealth({ health: 'healthy', reasons: [] })).toBe('inkdex: health back to healthy');
  });

  it('warns on one line', () => {
    expect(formatWarning('watcher error: ENOSPC: the system limit of inotify watches is reached')).toBe(
      'inkdex: warning: watcher error: ENOSPC: the system limit of inotify watches is reached',
    );
    expect(formatWarning('a\nb', 3)).toBe('inkdex: warning: a b (and 3 times more since the last line)');
  });

  it('ignores numbers when deciding whether health changed', () => {
    expect(healthKey({ health: 'degraded', reasons: ['2 files have problems'] })).toBe(healthKey({ health: 'degraded', reasons: ['3 files have problems'] }));
    expect(healthKey({ health: 'degraded', reasons: ['2 files have problems'] })).not.toBe(healthKey({ health: 'unhealthy', reasons: ['2 files have problems'] }));
  });
});

describe('ServiceLog', () => {
  function setup(opts: { verbose?: boolean } = {}) {
    const lines: string[] = [];
    let health: HealthSnapshot = { health: 'healthy', reasons: [] };
    let now = 0;
    const log = new ServiceLog({ write: (l) => lines.push(l), health: () => health, now: () => now, ...opts });
    return {
      log,
      lines,
      setHealth: (h: HealthSnapshot) => (health = h),
      advance: (ms: number) => (now += ms),
    };
  }

  it('logs a run that changed something, and is quiet for a no-op run', () => {
    const { log, lines } = setup();
    log.runFinished(run({ updated: 1 }));
    log.runFinished(run({ trigger: 'scheduled', kind: 'full', scanned: 50, unchanged: 50 }));
    log.runFinished(run({ unchanged: 1 }));
    expect(lines).toEqual(['inkdex: watch sync: 1 updated, 0 errors in 12 ms']);
  });

  it('logs no-op runs too with --verbose', () => {
    const { log, lines } = setup({ verbose: true });
    log.runFinished(run({ trigger: 'scheduled', kind: 'full', scanned: 50, unchanged: 50 }));
    expect(lines).toEqual(['inkdex: scheduled sync of 50 files: no changes, 0 errors in 12 ms']);
  });

  it('always logs the startup and manual runs, and failed runs', () => {
    const { log, lines } = setup();
    log.runFinished(run({ trigger: 'startup', kind: 'full', scanned: 5, unchanged: 5 }));
    log.runFinished(run({ trigger: 'manual', kind: 'full', scanned: 5, unchanged: 5 }));
    log.runFinished(run({ status: 'failed', message: 'boom' }));
    expect(lines).toEqual([
      'inkdex: startup sync of 5 files: no changes, 0 errors in 12 ms',
      'inkdex: manual sync of 5 files: no changes, 0 errors in 12 ms',
      'inkdex: watch sync failed after 12 ms: boom',
    ]);
  });

  it('logs a run that changed nothing but met a problem', () => {
    const { log, lines } = setup();
    log.runFinished(run({ trigger: 'scheduled', kind: 'full', scanned: 5, unchanged: 4, errors: 1 }));
    expect(lines).toEqual(['inkdex: scheduled sync of 5 files: no changes, 1 error in 12 ms']);
  });

  it('prints health once per change, not while it stays the same, and not a healthy start', () => {
    const { log, lines, setHealth } = setup();
    log.runFinished(run({ unchanged: 1 }));
    expect(lines).toEqual([]);
    setHealth({ health: 'degraded', reasons: ['2 files have problems'] });
    log.runFinished(run({ updated: 1, errors: 2 }));
    log.checkHealth();
    setHealth({ health: 'degraded', reasons: ['3 files have problems'] });
    log.checkHealth();
    setHealth({ health: 'unhealthy', reasons: ['the file watcher is down: changes are not seen'] });
    log.checkHealth();
    setHealth({ health: 'healthy', reasons: [] });
    log.checkHealth();
    log.checkHealth();
    expect(lines).toEqual([
      'inkdex: watch sync: 1 updated, 2 errors in 12 ms',
      'inkdex: health degraded: 2 files have problems',
      'inkdex: health unhealthy: the file watcher is down: changes are not seen',
      'inkdex: health back to healthy',
    ]);
  });

  it('prints an unhealthy start', () => {
    const { log, lines, setHealth } = setup();
    setHealth({ health: 'unhealthy', reasons: ['the last sync run failed: boom'] });
    log.runFinished(run({ trigger: 'startup', kind: 'full', status: 'failed', message: 'boom' }));
    expect(lines).toEqual(['inkdex: startup sync of 1 file failed after 12 ms: boom', 'inkdex: health unhealthy: the last sync run failed: boom']);
  });

  it('holds back a repeated warning for a minute, then says how many were held back', () => {
    const { log, lines, advance } = setup();
    log.warning('watcher error: ENOSPC');
    advance(1000);
    log.warning('watcher error: ENOSPC');
    log.warning('watcher error: ENOSPC');
    log.warning('the journal folder was deleted or replaced');
    advance(60_000);
    log.warning('watcher error: ENOSPC');
    expect(lines).toEqual([
      'inkdex: warning: watcher error: ENOSPC',
      'inkdex: warning: the journal folder was deleted or replaced',
      'inkdex: warning: watcher error: ENOSPC (and 2 times more since the last line)',
    ]);
  });
});
