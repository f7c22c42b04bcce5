/**
 * Prometheus text exposition (/metrics): counters kept for this process's lifetime,
 * gauges read at scrape time.
 */
import type { StatusReport } from '../core/status.js';
import type { RunSummary } from '../core/seam.js';

const BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Counts runs as they finish. */
export class RunMetrics {
  readonly runs = new Map<string, number>();
  readonly buckets = BUCKETS.map(() => 0);
  count = 0;
  sum = 0;

  record(run: RunSummary): void {
    const key = `trigger="${run.trigger}",status="${run.status}"`;
    this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
    const seconds = run.durationMs / 1000;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i]!++;
    });
    this.count++;
    this.sum += seconds;
  }
}

/** The counters of this process plus the gauges of one status report (status.ts). */
export function renderMetrics(m: RunMetrics, r: StatusReport): string {
  const s = r.status;
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labels ? `{${labels}}` : ''} ${value}`);
  };
  metric('inkdex_runs_total', 'counter', 'Sync runs finished by this process, by trigger and status.', [...m.runs].map(([k, v]) => [k, v]));
  out.push('# HELP inkdex_run_duration_seconds Duration of sync runs.', '# TYPE inkdex_run_duration_seconds histogram');
  BUCKETS.forEach((b, i) => out.push(`inkdex_run_duration_seconds_bucket{le="${b}"} ${m.buckets[i]}`));
  out.push(`inkdex_run_duration_seconds_bucket{le="+Inf"} ${m.count}`, `inkdex_run_duration_seconds_sum ${m.sum}`, `inkdex_run_duration_seconds_count ${m.count}`);
  metric('inkdex_entries', 'gauge', 'Entries in the index.', [['', s.counts.entries]]);
  metric('inkdex_tags', 'gauge', 'Distinct tags in the index.', [['', s.counts.tags]]);
  metric('inkdex_file_errors', 'gauge', 'Files (or folders) with problems.', [['', s.counts.errors]]);
  metric('inkdex_health', 'gauge', '1 for the current health (healthy, degraded or unhealthy), 0 for the others.', (['healthy', 'degraded', 'unhealthy'] as const).map((h) => [`health="${h}"`, s.health === h ? 1 : 0]));
  metric('inkdex_watcher_events_total', 'counter', 'File system events seen by the watcher.', [['', r.watcherEvents]]);
  metric('inkdex_watcher_up', 'gauge', '1 when the watcher is running without errors.', [['', s.watcher.state === 'watching' ? 1 : 0]]);
  metric('inkdex_watched_files', 'gauge', 'Markdown files under watch.', [['', s.watcher.files]]);
  metric('inkdex_index_write_errors', 'gauge', '1 when the last write of the index file failed.', [['', r.indexWriteError ? 1 : 0]]);
  metric('inkdex_index_writes_total', 'counter', 'Writes of the index file.', [['', r.indexWrites]]);
  metric('inkdex_index_size_bytes', 'gauge', 'Size of the index file after its last write.', [['', s.db.sizeBytes]]);
  metric('inkdex_index_lag_seconds', 'gauge', 'How long the oldest unindexed change has waited.', [['', r.lagMs / 1000]]);
  metric('inkdex_sync_running', 'gauge', '1 while a sync run is under way.', [['', s.currentRun ? 1 : 0]]);
  metric('inkdex_info', 'gauge', 'Version and index engine of this process.', [[`version="${s.version}",engine="${s.engine}"`, 1]]);
  return out.join('\n') + '\n';
}
