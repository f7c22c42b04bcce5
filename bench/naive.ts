/**
 * The naive-rebuild baseline: what a competent developer writes first.
 * Walk the folder, parse every file, insert everything in one transaction, export, write.
 * CLI: node dist/bench/naive.js JOURNAL_DIR OUT.sqlite
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import initSqlJs from 'sql.js';

const SCHEMA = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entries(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, title TEXT NOT NULL, date TEXT,
  frontmatter TEXT NOT NULL, body TEXT NOT NULL, word_count INTEGER NOT NULL,
  content_hash TEXT NOT NULL, size INTEGER NOT NULL, mtime_ms INTEGER NOT NULL,
  indexed_at TEXT NOT NULL, error TEXT);
CREATE TABLE tags(entry_id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (entry_id, tag));
CREATE TABLE links(entry_id INTEGER NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TABLE tasks(entry_id INTEGER NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL, done INTEGER NOT NULL);
CREATE VIRTUAL TABLE entries_fts USING fts4(title, body);
CREATE TABLE sync_runs(id INTEGER PRIMARY KEY, trigger TEXT NOT NULL, kind TEXT NOT NULL,
  status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, duration_ms INTEGER,
  scanned INTEGER, added INTEGER, updated INTEGER, unchanged INTEGER, moved INTEGER,
  removed INTEGER, errors INTEGER, message TEXT);
CREATE TABLE entry_events(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, at TEXT NOT NULL,
  path TEXT NOT NULL, old_path TEXT, kind TEXT NOT NULL, content_hash TEXT);
CREATE INDEX tags_tag ON tags(tag);
CREATE INDEX links_entry ON links(entry_id);
CREATE INDEX tasks_entry ON tasks(entry_id);
`;

const deny = (): object => {
  throw new Error('only YAML frontmatter is allowed');
};
const MATTER_OPTIONS = { engines: { js: deny, javascript: deny } };

function walk(dir: string, root: string, out: string[]): void {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.') || ent.name === 'node_modules') continue;
    const full = path.join(dir, ent.name);
    if (ent.isDirectory()) walk(full, root, out);
    else if (ent.isFile() && /\.(md|markdown)$/i.test(ent.name)) out.push(full);
  }
}

function toDate(value: unknown): string | null {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
  return null;
}

function frontmatterTags(data: Record<string, unknown>): string[] {
  const value = data.tags ?? data.tag;
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return items.map((t) => t.replace(/^#/, '')).filter((t) => t.length > 0);
}

function withParents(tag: string): string[] {
  const parts = tag.toLowerCase().split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

async function main(): Promise<void> {
  const [root, out] = process.argv.slice(2);
  if (!root || !out) {
    process.stderr.write('usage: node dist/bench/naive.js JOURNAL_DIR OUT.sqlite\n');
    process.exit(2);
  }
  const started = Date.now();
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.exec(SCHEMA);
  const files: string[] = [];
  walk(root, root, files);

  const now = new Date().toISOString();
  db.exec('BEGIN');
  db.run("INSERT INTO meta VALUES ('schema_version', '1'), ('journal_root', ?)", [path.resolve(root)]);
  db.run("INSERT INTO sync_runs(id, trigger, kind, status, started_at) VALUES (1, 'cli', 'full', 'running', ?)", [now]);
  const insEntry = db.prepare(`INSERT INTO entries(id, path, title, date, frontmatter, body, word_count,
    content_hash, size, mtime_ms, indexed_at, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`);
  const insTag = db.prepare('INSERT OR IGNORE INTO tags VALUES (?, ?)');
  const insLink = db.prepare('INSERT INTO links VALUES (?, ?, ?)');
  const insTask = db.prepare('INSERT INTO tasks VALUES (?, ?, ?, ?)');
  const insFts = db.prepare('INSERT INTO entries_fts(rowid, title, body) VALUES (?, ?, ?)');
  const insEvent = db.prepare("INSERT INTO entry_events(run_id, at, path, kind, content_hash) VALUES (1, ?, ?, 'added', ?)");

  let nextId = 1;
  for (const file of files) {
    const id = nextId++;
    const buf = readFileSync(file);
    const st = statSync(file);
    const text = buf.toString('utf8');
    const rel = path.relative(root, file).split(path.sep).join('/').normalize('NFC');
    let data: Record<string, unknown> = {};
    let body = text;
    let error: string | null = null;
    try {
      const parsed = matter(text, MATTER_OPTIONS);
      data = parsed.data;
      body = parsed.content;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const heading = /^# (.+)$/m.exec(body);
    const title = typeof data.title === 'string' ? data.title : heading?.[1] ?? path.basename(file).replace(/\.[^.]+$/, '');
    const date = toDate(data.date) ?? toDate(data.day) ?? /(\d{4}-\d{2}-\d{2})/.exec(path.basename(file))?.[1] ?? null;
    const hash = createHash('sha256').update(buf).digest('hex');
    const words = body.split(/\s+/).filter(Boolean).length;

    insEntry.run([id, rel, title, date, JSON.stringify(data), body, words, hash, buf.length, Math.round(st.mtimeMs), now, error]);

    const tags = new Set<string>();
    for (const t of frontmatterTags(data)) for (const p of withParents(t)) tags.add(p);
    for (const m of body.matchAll(/(?:^|\s)#([\p{L}\p{N}_\-/]*[\p{L}_\-][\p{L}\p{N}_\-/]*)/gmu)) {
      for (const p of withParents(m[1] as string)) tags.add(p);
    }
    for (const t of tags) insTag.run([id, t]);
    for (const m of body.matchAll(/\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|[^\]]*)?\]\]/g)) insLink.run([id, (m[1] as string).trim(), 'wiki']);
    for (const m of body.matchAll(/\[[^\]]*\]\(([^)\s]+\.md)\)/g)) {
      if (!/^[a-z]+:/i.test(m[1] as string)) insLink.run([id, m[1] as string, 'markdown']);
    }
    const lines = body.split('\n');
    const offset = text.split('\n').length - lines.length;
    lines.forEach((line, i) => {
      const m = /^\s*[-*+] \[([ xX])\] (.*)$/.exec(line);
      if (m) insTask.run([id, i + 1 + offset, (m[2] as string).trim(), m[1] === ' ' ? 0 : 1]);
    });
    insFts.run([id, title, body]);
    insEvent.run([now, rel, hash]);
  }
  db.run("UPDATE sync_runs SET status='succeeded', finished_at=?, duration_ms=?, scanned=?, added=?, updated=0, unchanged=0, moved=0, removed=0, errors=0 WHERE id=1",
    [new Date().toISOString(), Date.now() - started, files.length, files.length]);
  db.exec('COMMIT');
  for (const stmt of [insEntry, insTag, insLink, insTask, insFts, insEvent]) stmt.free();
  const bytes = db.export();
  db.close();
  writeFileSync(out, bytes);
  process.stdout.write(`${JSON.stringify({ files: files.length, bytes: bytes.length, ms: Date.now() - started })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`naive: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
