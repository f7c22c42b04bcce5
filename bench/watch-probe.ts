/**
 * One watcher start, measured in a process of its own:
 *   node dist/bench/watch-probe.js BACKEND DIR
 * BACKEND: chokidar | chokidar-folders | parcel | inkdex (fs.watch per folder, src/watch.ts)
 * Prints one JSON line: ready time, the longest event-loop block while starting, RSS,
 * inotify watches, and how long a new file in a new folder took to be reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ignoreRules } from '../src/core/ignore.js';
import { JournalWatcher } from '../src/live/watch.js';

interface Started {
  /** Resolves at the first event naming `needle` (a path containing it). */
  sawEvent(needle: string): Promise<void>;
  close(): Promise<void>;
}

function inotifyWatches(): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let link = '';
    try {
      link = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (!link.includes('inotify')) continue;
    try {
      n += fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

function listFolders(root: string): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    out.push(d);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('.')) stack.push(path.join(d, e.name));
  }
  return out;
}

class Events {
  private readonly waiting: Array<{ needle: string; resolve: () => void }> = [];
  seen(p: string): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (p.includes(this.waiting[i]!.needle)) this.waiting.splice(i, 1)[0]!.resolve();
    }
  }
  wait(needle: string): Promise<void> {
    return new Promise((resolve) => this.waiting.push({ needle, resolve }));
  }
}

async function start(backend: string, dir: string): Promise<Started> {
  const events = new Events();
  if (backend === 'chokidar' || backend === 'chokidar-folders') {
    const { watch } = await import('chokidar');
    const ignored = (p: string): boolean => path.basename(p).startsWith('.');
    if (backend === 'chokidar') {
      const w = watch(dir, { ignoreInitial: true, followSymlinks: false, ignored });
      w.on('all', (_e, p) => events.seen(p));
      await new Promise<void>((resolve) => w.once('ready', () => resolve()));
      return { sawEvent: (n) => events.wait(n), close: () => w.close() };
    }
    // Its start cut per folder: each folder added on its own (depth 0), a few ms at a time.
    const w = watch([], { ignoreInitial: true, followSymlinks: false, ignored, depth: 0 });
    w.on('all', (_e, p) => events.seen(p));
    w.on('addDir', (p) => {
      // chokidar reports new folders at depth 0 but does not enter them: add them.
      w.add(p);
    });
    const folders = listFolders(dir);
    let slice = Date.now();
    for (const f of folders) {
      w.add(f);
      if (Date.now() - slice >= 4) {
        await new Promise((r) => setImmediate(r));
        slice = Date.now();
      }
    }
    // Done once chokidar lists every folder as watched.
    for (;;) {
      if (Object.keys(w.getWatched()).length >= folders.length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return { sawEvent: (n) => events.wait(n), close: () => w.close() };
  }
  if (backend === 'parcel') {
    const parcel = await import('@parcel/watcher');
    const sub = await parcel.subscribe(dir, (err, list) => {
      if (!err) for (const e of list) events.seen(e.path);
    }, { ignore: ['**/.*'] });
    return { sawEvent: (n) => events.wait(n), close: () => sub.unsubscribe() };
  }
  if (backend === 'none') {
    // The baseline: the timer's own jitter on this (shared) machine.
    await new Promise((r) => setTimeout(r, 500));
    return { sawEvent: () => Promise.resolve(), close: async () => {} };
  }
  if (backend === 'inkdex') {
    const w = new JournalWatcher(dir, ignoreRules([]), {
      onPath: (p) => events.seen(p),
      onDir: (d) => events.seen(d),
      onMissed: () => {},
      onRecovered: () => {},
    });
    await w.start();
    return { sawEvent: (n) => events.wait(n), close: () => w.close() };
  }
  throw new Error(`unknown backend ${backend}`);
}

async function main(): Promise<void> {
  const [backend, dir] = process.argv.slice(2);
  if (!backend || !dir) throw new Error('usage: watch-probe BACKEND DIR');
  const root = fs.realpathSync(dir);
  // The longest gap between ticks of a 1 ms timer = the longest the event loop was blocked.
  let last = performance.now();
  let maxBlock = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxBlock = Math.max(maxBlock, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  const w = await start(backend, root);
  const readyMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200));
  clearInterval(ticker);
  const watches = inotifyWatches();
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  // A new file in a new folder must be reported (the burst case).
  const name = `probe-${process.pid}`;
  const t1 = performance.now();
  const seen = w.sawEvent(name);
  fs.mkdirSync(path.join(root, name));
  fs.writeFileSync(path.join(root, name, 'n.md'), '# probe\n');
  const eventMs = await Promise.race([seen.then(() => performance.now() - t1), new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
  fs.rmSync(path.join(root, name), { recursive: true, force: true });
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  await w.close();
  process.stdout.write(
    JSON.stringify({ backend, readyMs: Math.round(readyMs), maxBlockMs: Math.round(maxBlock), rssMiB: Math.round(rssMiB), peakRssMiB: Math.round(peakRssMiB), watches, newFolderEventMs: eventMs === null ? null : Math.round(eventMs) }) + '\n',
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
