/** Turns benchmark results into table rows, judged against the project's targets. */
import { fmtMiB, fmtMs, fmtRatio, judge, median, percentile } from './measure.js';
import type { Row } from './measure.js';
import { EDIT_TIMEOUT_MS } from './serve-bench.js';
import type { ServeBenchResult } from './serve-bench.js';
import type { Sample, SyncBenchResult } from './sync-bench.js';
import type { LoadPhaseResult } from './load-driver.js';

const MiB = 1024;

/** Targets per engine and scope; a scope with no entry is informational only. */
interface Targets {
  coldRatio: number;
  coldRssKiB: number;
  noopRatio?: number;
  noopMs?: number;
  oneEditRatio?: number;
  editApiP50?: number;
  editApiP95?: number;
  editFileP95?: number;
  /** Edit → seen by a reader holding its connection open, p95 (ms). */
  heldP95?: number;
  /** Bytes serve writes per one-note edit at the autosave rhythm. */
  bytesPerEdit?: number;
  burstMs?: number;
  burstRuns?: number;
  steadyRssKiB?: number;
  statusP99?: number;
  /** A search for a common word on the idle index, p50 (ms, HTTP included). */
  searchP50?: number;
  /** serve on the index already built: startup sync done (ms) and /api/status p99 until then. */
  builtIdleMs?: number;
  builtStatusP99?: number;
  /** Issue 16's load (clients once a second each): /api/status p99 and answered searches' p99. */
  loadStatusP99?: number;
  loadSearchP99?: number;
}

const TARGETS: Record<string, Record<string, Targets>> = {
  // Issue 16 (after issue 9): the native engine (SPEC §3, §4) is held to these.
  native: {
    '10k': {
      coldRatio: 0.35, coldRssKiB: 160 * MiB, noopRatio: 0.04, oneEditRatio: 0.05,
      editApiP50: 20, editApiP95: 50, editFileP95: 60, heldP95: 250, bytesPerEdit: 256 * 1024,
      burstMs: 3000, burstRuns: 5, steadyRssKiB: 100 * MiB, statusP99: 50,
      searchP50: 10, loadStatusP99: 50, loadSearchP99: 250,
    },
    // Notes of ~5 KB (`--sizes 10k-5kb`): the same sync ratios, and bytes per edit.
    '10k-5kb': { coldRatio: 0.35, coldRssKiB: 160 * MiB, noopRatio: 0.04, oneEditRatio: 0.05, bytesPerEdit: 256 * 1024 },
    '100k': { coldRatio: 0.3, coldRssKiB: 300 * MiB, noopMs: 500, builtIdleMs: 3000, builtStatusP99: 50 },
  },
  // The wasm engine keeps the targets it met before the native one (docs/benchmarks.md).
  wasm: {
    '10k': {
      coldRatio: 0.5, coldRssKiB: 250 * MiB, noopRatio: 0.08, oneEditRatio: 0.12,
      editApiP50: 150, editApiP95: 300, editFileP95: 1000, burstMs: 3000, burstRuns: 5,
      steadyRssKiB: 350 * MiB, statusP99: 100,
    },
    '100k': { coldRatio: 0.8, coldRssKiB: 1.2 * 1024 * MiB },
  },
};
const targetsFor = (engine: string, scope: string): Partial<Targets> => TARGETS[engine]?.[scope] ?? {};
/** SPEC §1: SIGTERM → exit within 2 seconds, at every size. */
const STOP_MS = 2000;

const maxRss = (s: readonly Sample[]): number | null => {
  const known = s.map((x) => x.rssKiB).filter((x): x is number => x !== null);
  return known.length > 0 ? Math.max(...known) : null;
};
const med = (s: readonly Sample[]): number => median(s.map((x) => x.ms));
const lim = (v: number | undefined): number | null => (v === undefined ? null : v);
const le = (v: number | undefined, show: (n: number) => string): string => (v === undefined ? '' : `≤ ${show(v)}`);
const ratioText = (v: number): string => `${v}×`;

export function syncRows(scope: string, engine: string, s: SyncBenchResult): Row[] {
  const t = targetsFor(engine, scope);
  const naiveMs = med(s.naive);
  const rows: Row[] = [{
    scope, metric: `cold sync: naive rebuild (median of ${s.naive.length})`,
    value: `${fmtMs(naiveMs)} · peak ${fmtMiB(maxRss(s.naive))}`, target: '', status: '',
  }];
  const unavailable = (metric: string, target: string): Row =>
    ({ scope, metric, value: 'not measured (see error)', target, status: target ? 'n/a' : '' });

  const error: Row = { scope, metric: 'inkdex sync error', value: s.error ?? '', target: '', status: '' };
  if (s.cold.length === 0) {
    rows.push(unavailable('cold sync: inkdex / naive', le(t.coldRatio, ratioText)), error);
    return rows;
  }
  const cold = med(s.cold);
  rows.push({
    scope, metric: `cold sync: inkdex / naive (median of ${s.cold.length})`,
    value: `${fmtRatio(cold / naiveMs)} (${fmtMs(cold)})`, target: le(t.coldRatio, ratioText),
    status: judge(cold / naiveMs, lim(t.coldRatio)),
  }, {
    scope, metric: 'cold sync: inkdex peak RSS (max)', value: fmtMiB(maxRss(s.cold)),
    target: le(t.coldRssKiB, fmtMiB), status: judge(maxRss(s.cold), lim(t.coldRssKiB)),
  });
  for (const [metric, samples, target, targetMs] of [
    ['no-op re-sync / naive', s.noop, t.noopRatio, t.noopMs],
    ['one-edit re-sync / naive', s.oneEdit, t.oneEditRatio, undefined],
  ] as const) {
    // A target in milliseconds (100k no-op) is judged on the time, not the ratio.
    const targetText = targetMs === undefined ? le(target, ratioText) : le(targetMs, fmtMs);
    if (samples.length === 0) {
      rows.push(unavailable(metric, targetText));
      continue;
    }
    const ms = med(samples);
    rows.push({
      scope, metric: `${metric} (median of ${samples.length})`, value: `${fmtRatio(ms / naiveMs)} (${fmtMs(ms)})`,
      target: targetText, status: targetMs === undefined ? judge(ms / naiveMs, lim(target)) : judge(ms, targetMs),
    });
  }
  if (s.error !== null) rows.push(error);
  return rows.map((row) => ({ ...row, engine }));
}

const fmtKiB = (bytes: number): string => `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`;

/** Bytes per edit at the autosave rhythm, and the held reader. */
function autosaveRows(scope: string, t: Partial<Targets>, r: ServeBenchResult): Row[] {
  const n = r.autosaveEdits;
  const perEdit = (bytes: number | null): number | null => (bytes === null || n === 0 ? null : bytes / n);
  const bytes = perEdit(r.autosaveBytes);
  const settled = perEdit(r.autosaveSettledBytes);
  const wchar = perEdit(r.autosaveWchar);
  const wcharSettled = perEdit(r.autosaveSettledWchar);
  const rows: Row[] = [{
    scope, metric: `serve bytes written per one-note edit (${n} edits 1.5 s apart; write_bytes)`,
    value: bytes === null ? (n === 0 ? 'not measured' : 'not measured (/proc/PID/io unreadable)')
      : `${fmtKiB(bytes)} (n=${n}; write_bytes ${fmtMiB((r.autosaveBytes ?? 0) / 1024)} in all)`,
    target: le(t.bytesPerEdit, fmtKiB), status: judge(bytes, lim(t.bytesPerEdit)),
  }, {
    scope, metric: '… with the 12 s quiet period after them (native: idle checkpoint)',
    value: settled === null ? 'not measured'
      : `${fmtKiB(settled)} (-wal file after: ${r.walAfterBytes === null ? 'none' : fmtKiB(r.walAfterBytes)})`,
    target: le(t.bytesPerEdit, fmtKiB), status: judge(settled, lim(t.bytesPerEdit)),
  }, {
    scope, metric: '… the same edits by wchar (bytes passed to write calls), quiet period included',
    value: wcharSettled === null ? 'not measured' : `${fmtKiB(wcharSettled)} (${fmtKiB(wchar ?? 0)} before the quiet period)`,
    target: le(t.bytesPerEdit, fmtKiB), status: judge(wcharSettled, lim(t.bytesPerEdit)),
  }];
  const held = [...r.heldMs, ...Array<number>(r.heldTimeouts).fill(Infinity)];
  const timeouts = r.heldTimeouts ? `, ${r.heldTimeouts} not seen within ${fmtMs(EDIT_TIMEOUT_MS)}` : '';
  rows.push({
    scope, metric: 'edit → seen by a reader holding its connection open, p95',
    value: r.heldReader === 'unavailable' ? 'not measured (python3 sqlite3 unavailable)'
      : held.length === 0 ? 'not measured'
        : r.heldMs.length === 0 ? `never (0 of ${held.length} edits seen within ${fmtMs(EDIT_TIMEOUT_MS)} each)`
          : `${fmtMs(percentile(held, 95))} (p50 ${fmtMs(percentile(held, 50))}, n=${held.length}${timeouts})`,
    target: le(t.heldP95, fmtMs), status: judge(held.length ? percentile(held, 95) : null, lim(t.heldP95)),
  });
  return rows;
}

/** Issue 16's load: /api/status p99, and the searches answered (p99) or refused at once (503 + Retry-After). */
function loadRows(scope: string, t: Partial<Targets>, p: LoadPhaseResult): Row[] {
  const [status, search] = p.routes;
  const errors = p.errors > 0 ? `, ${p.errors} errors` : '';
  return [{
    scope, metric: `200 clients once a second (150 status, 50 searching), ${p.phase}: /api/status p99`,
    value: status && status.requests > 0 ? `${fmtMs(status.p99)} (p50 ${fmtMs(status.p50)}, max ${fmtMs(status.max)}, n=${status.requests}${errors})` : 'not measured',
    target: le(t.loadStatusP99, fmtMs), status: p.errors > 0 ? 'missed' : judge(status?.requests ? status.p99 : null, lim(t.loadStatusP99)),
  }, {
    scope, metric: `… ${p.phase}: searches answered, p99 (or a prompt 503)`,
    value: search ? `${search.requests ? fmtMs(search.p99) : '—'} (n=${search.requests}; 503 with Retry-After: ${search.refused}${search.refused ? `, the slowest in ${fmtMs(search.refusedMax)}` : ''})` : 'not measured',
    target: le(t.loadSearchP99, fmtMs),
    status: !search ? '' : judge(Math.max(search.requests ? search.p99 : 0, search.refused ? search.refusedMax : 0), lim(t.loadSearchP99)),
  }];
}

export function serveRows(scope: string, engine: string, r: ServeBenchResult): Row[] {
  const t = targetsFor(engine, scope);
  const rows: Row[] = autosaveRows(scope, t, r);
  const n = r.editApiMs.length + r.apiTimeouts;
  // A timed-out edit counts as infinitely slow, so timeouts can only worsen a percentile.
  const api = [...r.editApiMs, ...Array<number>(r.apiTimeouts).fill(Infinity)];
  const apiNote = `n=${n}${r.apiTimeouts ? `, ${r.apiTimeouts} timed out` : ''}`;
  rows.push({
    scope, metric: 'edit → visible in API, p50', value: n ? `${fmtMs(percentile(api, 50))} (${apiNote})` : 'not measured',
    target: le(t.editApiP50, fmtMs), status: judge(n ? percentile(api, 50) : null, lim(t.editApiP50)),
  }, {
    scope, metric: 'edit → visible in API, p95', value: n ? fmtMs(percentile(api, 95)) : 'not measured',
    target: le(t.editApiP95, fmtMs), status: judge(n ? percentile(api, 95) : null, lim(t.editApiP95)),
  });
  if (r.fileProbe === 'ok') {
    const file = [...r.editFileMs, ...Array<number>(r.fileTimeouts).fill(Infinity)];
    rows.push({
      scope, metric: 'edit → visible in SQLite file (reader reopening), p95',
      value: `${fmtMs(percentile(file, 95))} (p50 ${fmtMs(percentile(file, 50))}${r.fileTimeouts ? `, ${r.fileTimeouts} timed out` : ''})`,
      target: le(t.editFileP95, fmtMs), status: judge(file.length ? percentile(file, 95) : null, lim(t.editFileP95)),
    });
  } else {
    rows.push({
      scope, metric: 'edit → visible in SQLite file (reader reopening), p95',
      value: r.fileProbe === 'unavailable' ? 'not measured (python3 sqlite3 unavailable)' : 'not measured',
      target: le(t.editFileP95, fmtMs), status: t.editFileP95 ? 'n/a' : '',
    });
  }
  const burstOk = r.burstMs !== null && (t.burstMs === undefined || r.burstMs <= t.burstMs)
    && (t.burstRuns === undefined || (r.burstRuns !== null && r.burstRuns <= t.burstRuns));
  rows.push({
    scope, metric: 'burst of 1,000 new files → all in API',
    value: r.burstMs === null ? 'not measured'
      : `${fmtMs(r.burstMs)} in ${r.burstRuns ?? '?'} watch runs (writing took ${fmtMs(r.burstWriteMs ?? NaN)})`,
    target: t.burstMs === undefined ? '' : `≤ ${fmtMs(t.burstMs)} in ≤ ${t.burstRuns ?? '?'} runs`,
    status: t.burstMs === undefined ? '' : r.burstMs === null ? 'n/a' : burstOk ? 'met' : 'missed',
  }, {
    scope, metric: 'serve steady RSS when idle (peak)',
    value: r.steadyRssKiB === null ? 'not measured' : `${fmtMiB(r.steadyRssKiB)} (${fmtMiB(r.peakRssKiB)})`,
    target: le(t.steadyRssKiB, fmtMiB), status: judge(r.steadyRssKiB, lim(t.steadyRssKiB)),
  });
  const p99 = r.startupStatusMs.length > 0 ? percentile(r.startupStatusMs, 99) : null;
  rows.push({
    scope, metric: '/api/status p99 during startup sync',
    value: p99 === null
      ? (r.startupIdleMs === null ? 'not measured' : 'none: the sync was over before the server answered')
      : `${fmtMs(p99)} (n=${r.startupStatusMs.length}, max ${fmtMs(Math.max(...r.startupStatusMs))}, idle after ${fmtMs(r.startupIdleMs ?? NaN)})`,
    target: le(t.statusP99, fmtMs),
    // A server that only answers once the sync is over fails "responsive during the sync".
    status: p99 === null && r.startupIdleMs !== null && t.statusP99 !== undefined ? 'missed' : judge(p99, lim(t.statusP99)),
  }, {
    scope, metric: '/api/status max while the watcher starts',
    value: r.setupStatusMs.length === 0 ? 'no request answered then'
      : `${fmtMs(Math.max(...r.setupStatusMs))} (n=${r.setupStatusMs.length}; the watcher being set up, before the sync)`,
    target: '', status: '',
  }, {
    scope, metric: 'serve SIGTERM → exit (SPEC §1)', value: r.stopMs === null ? 'not measured' : fmtMs(r.stopMs),
    target: `≤ ${fmtMs(STOP_MS)}`, status: judge(r.stopMs, STOP_MS),
  }, {
    scope, metric: 'search for a common word on the idle index, p50 (HTTP included)',
    value: r.searchMs.length === 0 ? 'not measured' : `${fmtMs(percentile(r.searchMs, 50))} (p95 ${fmtMs(percentile(r.searchMs, 95))}, n=${r.searchMs.length})`,
    target: le(t.searchP50, fmtMs), status: judge(r.searchMs.length ? percentile(r.searchMs, 50) : null, lim(t.searchP50)),
  });
  for (const phase of [r.loadStartup, r.loadBurst]) if (phase) rows.push(...loadRows(scope, t, phase));
  if (r.builtIdleMs !== null || r.builtStatusMs.length > 0) {
    const p99 = r.builtStatusMs.length ? percentile(r.builtStatusMs, 99) : null;
    rows.push({
      scope, metric: 'serve on the index already built: watcher and startup sync done',
      value: r.builtIdleMs === null ? 'not idle in time' : fmtMs(r.builtIdleMs), target: le(t.builtIdleMs, fmtMs), status: judge(r.builtIdleMs, lim(t.builtIdleMs)),
    }, {
      scope, metric: '… /api/status p99 until then',
      value: p99 === null ? 'not measured' : `${fmtMs(p99)} (max ${fmtMs(Math.max(...r.builtStatusMs))}, n=${r.builtStatusMs.length})`,
      target: le(t.builtStatusP99, fmtMs), status: judge(p99, lim(t.builtStatusP99)),
    });
  }
  for (const e of r.errors) rows.push({ scope, metric: 'serve error', value: e, target: '', status: '' });
  return rows.map((row) => ({ ...row, engine }));
}
