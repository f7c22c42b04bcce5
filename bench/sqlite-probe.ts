/**
 * Asks "is this word in the SQLite file yet?" through long-running Python sqlite3 helpers,
 * so each poll costs no process start.
 *
 * - `startSqliteProbe`: each query opens the file read-only afresh (the wasm engine replaces
 *   the index by rename, so an old connection would keep reading the old file) and skips the
 *   query when neither the file nor its write-ahead log (native engine) changed since the
 *   last "no".
 * - `startHeldReader`: one connection opened before the edits and never reopened, as a
 *   long-running reader would hold it (SPEC §3: with the native engine it sees each commit
 *   on its next query; with the wasm engine it keeps reading the replaced file).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { killGroup, track } from './children.js';

const HELPER = String.raw`
import os, sqlite3, sys, pathlib, time
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
    try:
        wal = os.stat(str(db) + '-wal')
        # The log is rewritten from its start after a checkpoint (same size; mtime ticks are
        # coarse): the current second is part of the signature, so a "no" is rechecked each second.
        sig = (st.st_ino, st.st_mtime_ns, st.st_size, wal.st_mtime_ns, wal.st_size, int(time.monotonic()))
    except OSError:
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

const HELD_HELPER = String.raw`
import os, select, sqlite3, sys, pathlib, time
db = pathlib.Path(sys.argv[1]).resolve()
con = sqlite3.connect(db.as_uri() + '?mode=ro', uri=True)
con.execute("SELECT count(*) FROM entries").fetchall()  # opened and readable before the edits
print('ready', flush=True)
QUERY = "SELECT count(*) FROM entries WHERE body LIKE ?"
pending = {}  # word -> [deadline, data_version at the last miss, time of the last query]
buf = b''
fd = sys.stdin.fileno()
while True:
    ready, _, _ = select.select([fd], [], [], 0.01 if pending else None)
    if ready:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            word, timeout_ms = line.decode().split()
            pending[word] = [time.monotonic() + int(timeout_ms) / 1000, None, 0.0]
    if not pending:
        continue
    try:
        version = con.execute('PRAGMA data_version').fetchall()[0][0]
    except Exception:
        version = None
    now = time.monotonic()
    for word, p in list(pending.items()):
        # Query again when another connection committed (data_version moved), and at least
        # once a second regardless.
        if version is None or version != p[1] or now - p[2] >= 1.0:
            try:
                n = con.execute(QUERY, ('%' + word + '%',)).fetchall()[0][0]
            except Exception:
                n = 0
            p[1], p[2] = version, now
            if n > 0:
                del pending[word]
                print(word, 1, flush=True)
                continue
        if now >= p[0]:
            del pending[word]
            print(word, 0, flush=True)
`;

export interface HeldReader {
  /** Resolves true when the held connection sees `word` in an entry's body, false after `timeoutMs`. */
  waitFor(word: string, timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** Opens the held connection; resolves null when python3 or the file cannot be read. */
export async function startHeldReader(dbFile: string): Promise<HeldReader | null> {
  let child: ChildProcess;
  try {
    child = track(spawn('python3', ['-c', HELD_HELPER, dbFile], { stdio: ['pipe', 'pipe', 'ignore'], detached: true }));
  } catch {
    return null;
  }
  const waiting = new Map<string, (seen: boolean) => void>();
  let onReady: ((ok: boolean) => void) | null = null;
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const [word = '', seen] = buffered.slice(0, nl).split(' ');
      buffered = buffered.slice(nl + 1);
      if (word === 'ready') onReady?.(true);
      waiting.get(word)?.(seen === '1');
      waiting.delete(word);
    }
  });
  const onGone = (): void => {
    onReady?.(false);
    for (const resolve of waiting.values()) resolve(false);
    waiting.clear();
  };
  child.once('exit', onGone);
  child.once('error', onGone);
  child.stdin?.on('error', onGone);
  const close = (): void => {
    child.stdin?.end();
    killGroup(child, 'SIGKILL');
  };
  const ok = await new Promise<boolean>((resolve) => {
    onReady = resolve;
    setTimeout(() => resolve(false), 10_000).unref();
  });
  onReady = null;
  if (!ok) {
    close();
    return null;
  }
  return {
    waitFor(word, timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        waiting.set(word, resolve);
        child.stdin?.write(`${word} ${Math.round(timeoutMs)}\n`);
      });
    },
    close,
  };
}
