/**
 * Asks "is this word in the SQLite file yet?" through a long-running Python sqlite3 helper,
 * so each poll costs no process start. Each query opens the file read-only afresh (the index
 * is replaced by rename, so an old connection would keep reading the old file) and skips the
 * query when the file has not changed since the last "no".
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { killGroup, track } from './children.js';

const HELPER = String.raw`
import os, sqlite3, sys, pathlib
db = pathlib.Path(sys.argv[1]).resolve()
uri = db.as_uri() + '?mode=ro'
misses = {}
for line in sys.stdin:
    word = line.strip()
    try:
        st = os.stat(db)
    except OSError:
        print(-2, flush=True)
        continue
    sig = (st.st_ino, st.st_mtime_ns, st.st_size)
    if misses.get(word) == sig:
        print(0, flush=True)
        continue
    try:
        con = sqlite3.connect(uri, uri=True)
        try:
            n = con.execute("SELECT count(*) FROM entries WHERE body LIKE ?", ('%' + word + '%',)).fetchone()[0]
        finally:
            con.close()
    except Exception as e:
        print(-1, flush=True)
        continue
    if n == 0:
        misses[word] = sig
    print(n, flush=True)
`;

export interface SqliteProbe {
  /** Rows whose body contains `word`; -1 when the file could not be queried, -2 when it is missing. */
  count(word: string, timeoutMs?: number): Promise<number>;
  close(): void;
}

/** Starts the helper; resolves null when python3 is not available. */
export async function startSqliteProbe(dbFile: string): Promise<SqliteProbe | null> {
  let child: ChildProcess;
  try {
    child = track(spawn('python3', ['-c', HELPER, dbFile], { stdio: ['pipe', 'pipe', 'ignore'], detached: true }));
  } catch {
    return null;
  }
  const waiting: Array<(n: number) => void> = [];
  let buffered = '';
  let dead = false;
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.(Number(line));
    }
  });
  const onGone = (): void => {
    dead = true;
    for (const resolve of waiting.splice(0)) resolve(-1);
  };
  child.once('exit', onGone);
  child.once('error', onGone);
  child.stdin?.on('error', onGone); // EPIPE when the helper died

  const probe: SqliteProbe = {
    count(word, timeoutMs = 5000) {
      if (dead) return Promise.resolve(-1);
      return new Promise<number>((resolve) => {
        let done = false;
        const finish = (n: number): void => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(n);
        };
        // A timed-out answer still arrives later and must be consumed by this slot, so the
        // slot stays queued and only the caller is released early.
        const timer = setTimeout(() => finish(-1), timeoutMs);
        waiting.push(finish);
        child.stdin?.write(`${word}\n`);
      });
    },
    close() {
      child.stdin?.end();
      killGroup(child, 'SIGKILL');
    },
  };
  // A first round trip proves the interpreter and its sqlite3 module work.
  const first = await probe.count('inkdex-bench-warmup', 10_000);
  if (dead || (first === -1 && child.exitCode !== null)) {
    probe.close();
    return null;
  }
  return probe;
}
