/**
 * An index that has never finished a sync (its first build under way, in this process or
 * in the one keeping it) answers "not found" for the notes it has not reached yet: the
 * MCP tools wait for that first sync, a bounded time, then say the index is being built.
 */
import { NotReady } from '../core/errors.js';
import type { IndexReader } from '../core/seam.js';

/** How long a question waits for a first build before the answer says it is under way. */
const FIRST_BUILD_WAIT_MS = 20_000;
const POLL_MS = 100;

/**
 * Resolves once the index has finished a sync (at once but during a first build); else,
 * after FIRST_BUILD_WAIT_MS, rejects with NotReady saying how far the build is.
 * @param reader the reader in use now (it may throw while there is none yet)
 * @param progress the run under way, if known
 */
export async function whenBuilt(
  reader: () => Pick<IndexReader, 'lastFinishedRun'>,
  progress: () => { processed: number; total: number } | null,
  db: string,
): Promise<void> {
  const deadline = Date.now() + FIRST_BUILD_WAIT_MS;
  for (;;) {
    try {
      if (reader().lastFinishedRun() !== undefined) return;
    } catch {
      // no index to read yet, or mid hand-over: wait as for a build
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  let run: { processed: number; total: number } | null = null;
  try {
    run = progress();
  } catch {
    // nothing to tell
  }
  const sofar = run && run.total > 0 ? ` (${run.processed} of ${run.total} files so far)` : '';
  throw new NotReady(`the index ${db} is still being built for the first time${sofar}: ask again in a moment`);
}
