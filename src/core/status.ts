/**
 * The one status of a running `serve` (SPEC §4, §4.1): built here, once per question, from
 * what the live parts report, and fed to `/api/status`, `/healthz`, `/metrics`, the SSE
 * `status` event and the service log's health lines, so they can never disagree. The
 * composition root makes one StatusSource and gives it to the app and the log. Not quite
 * pure: before this process's first write, the index file's size and time are read from
 * the disk.
 */
import fs from 'node:fs';
import { assessHealth, type Health, type WatcherState, type WatcherStatus } from './health.js';
import type { Counts, EngineName, IndexReader, RunProgress, RunRow, RunSummary } from './seam.js';

/**
 * What this process's writes to the index file came to (the flusher reports them; the
 * engine's own view of the file is the seam's IndexFileStatus).
 */
export interface IndexWrites {
  /** ISO-8601 UTC of the last successful write (commit or file replacement); null before the first. */
  lastWriteAt: string | null;
  /** Size of the index on disk after that write (the WAL included, for the native engine). */
  sizeBytes: number;
  /** Why the last write failed; null after a successful one. */
  error: string | null;
  /** Writes so far by this process (for /metrics); optional. */
  writes?: number;
}

export interface StatusDeps {
  queries: Pick<IndexReader, 'counts' | 'lastFinishedRun'>;
  indexer: { readonly current: RunProgress | null; readonly lastRun: RunSummary | null; lagMs(): number };
  watcher: { status(): WatcherStatus };
  /** The flusher: the engine in use and the writes so far. */
  indexFile: { readonly engine: EngineName; status(): IndexWrites };
  /** What follows the index file by identity: why it cannot be kept now (deleted, replaced), or null. */
  indexPath?: { problem(): string | null };
  journal: string;
  /** The index file's path. */
  db: string;
  version: string;
}

export type ServeState = 'starting' | 'idle' | 'syncing';

/** The body of `GET /api/status` (and of the SSE `status` event). */
export interface Status {
  state: ServeState;
  health: Health;
  /** Why the health is not `healthy`, in words (empty when it is). */
  healthReasons: string[];
  journal: string;
  engine: EngineName;
  db: { path: string; sizeBytes: number; lastWriteAt: string | null };
  watcher: { state: WatcherState; files: number; dirs: number };
  counts: Counts;
  currentRun: { id: number; trigger: string; kind: string; processed: number; total: number; startedAt: string } | null;
  lastRun: RunSummary | RunRow | null;
  version: string;
}

/** The status plus the few facts /metrics shows that the API body does not. */
export interface StatusReport {
  status: Status;
  lagMs: number;
  watcherEvents: number;
  indexWrites: number;
  indexWriteError: string | null;
}

/** Database facts are reused for this long unless a run or a write says they changed… */
const DB_FACTS_TTL_MS = 250;
/**
 * …or this long while a run is under way (its progress is in `currentRun`): recounting every
 * quarter second during a 10,000-file burst cost the answering thread ~10 % of its time.
 */
const DB_FACTS_TTL_RUNNING_MS = 1000;

/**
 * Builds the status. The two database queries behind it (counts, last finished run) are
 * reused for a moment — never across a run starting or finishing or an index write, and
 * never for longer than DB_FACTS_TTL_MS — so 200 pollers, or 1,000 event-stream clients
 * connecting at once, cost a handful of queries rather than one each. Everything else
 * (state, progress, watcher, health) is read live on every call.
 */
export class StatusSource {
  private dbFacts: { counts: Counts; lastFinished: RunRow | null; at: number; key: string } | null = null;

  constructor(private readonly deps: StatusDeps) {}

  /** Forget cached database facts. */
  invalidate(): void {
    this.dbFacts = null;
  }

  report(): StatusReport {
    const { deps } = this;
    const now = Date.now();
    const file = deps.indexFile.status();
    const lastRun = deps.indexer.lastRun;
    const current = deps.indexer.current;
    const key = `${lastRun?.id ?? ''}|${lastRun?.finishedAt ?? ''}|${current?.id ?? ''}|${file.lastWriteAt ?? ''}`;
    if (!this.dbFacts || this.dbFacts.key !== key || now - this.dbFacts.at > (current ? DB_FACTS_TTL_RUNNING_MS : DB_FACTS_TTL_MS)) {
      this.dbFacts = { counts: deps.queries.counts(), lastFinished: deps.queries.lastFinishedRun() ?? null, at: now, key };
    }
    const { counts, lastFinished } = this.dbFacts;
    const watcher = deps.watcher.status();
    const lagMs = deps.indexer.lagMs();
    const { health, reasons } = assessHealth({
      lastRunFailed: lastRun?.status === 'failed',
      lastRunMessage: lastRun?.message ?? null,
      watcherState: watcher.state,
      watcherError: watcher.lastError,
      writeError: file.error,
      indexFileProblem: deps.indexPath?.problem() ?? null,
      fileErrors: counts.errors,
      lagMs,
    });
    const status: Status = {
      state: current ? 'syncing' : lastRun ? 'idle' : 'starting',
      health,
      healthReasons: reasons,
      journal: deps.journal,
      engine: deps.indexFile.engine,
      db: indexFileOnDisk(deps.db, file),
      watcher: { state: watcher.state, files: watcher.files, dirs: watcher.dirs },
      counts: { ...counts },
      currentRun: current
        ? { id: current.id, trigger: current.trigger, kind: current.kind, processed: current.processed, total: current.total, startedAt: current.startedAt }
        : null,
      lastRun: lastRun ?? lastFinished,
      version: deps.version,
    };
    return { status, lagMs, watcherEvents: watcher.events, indexWrites: file.writes ?? 0, indexWriteError: file.error };
  }

  status(): Status {
    return this.report().status;
  }
}

/**
 * The index file's size and last write: what the engine reports once it has written,
 * else (before this process's first write) the file as on disk.
 */
function indexFileOnDisk(file: string, s: IndexWrites): Status['db'] {
  if (s.lastWriteAt !== null) return { path: file, sizeBytes: s.sizeBytes, lastWriteAt: s.lastWriteAt };
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return { path: file, sizeBytes: st?.size ?? s.sizeBytes, lastWriteAt: st ? st.mtime.toISOString() : null };
}
