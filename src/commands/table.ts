/**
 * Pure: the query verbs' answers as compact text tables for a terminal (SPEC §5.2: title,
 * date, path; snippets for search), and one entry as a readable page for `inkdex show`.
 * Widths fit the terminal when there is one; piped output is never cut.
 */
import type { ReadEntryResult } from '../core/reading.js';
import type { ListedEntry, SearchHit, TaskRow } from '../core/seam.js';

export interface TextStyle {
  /** Columns of the terminal, or null when the output is not one (then nothing is cut). */
  width: number | null;
  /** Emphasis for matched words and headings ('' markers when colour is off). */
  strong(s: string): string;
  dim(s: string): string;
}

export const PLAIN: TextStyle = { width: null, strong: (s) => s, dim: (s) => s };

/** ANSI bold/dim, for a terminal that has not asked for no colour. */
export function terminalStyle(columns: number): TextStyle {
  return { width: columns, strong: (s) => `\x1b[1m${s}\x1b[22m`, dim: (s) => `\x1b[2m${s}\x1b[22m` };
}

const DATE_WIDTH = 10;
const MAX_TITLE = 48;

export function entriesTable(entries: ReadonlyArray<Pick<ListedEntry, 'title' | 'date' | 'path'>>, style: TextStyle): string[] {
  const titleWidth = titleColumn(entries, style);
  return entries.map((e) => row(e, titleWidth, style));
}

export function searchTable(hits: readonly SearchHit[], style: TextStyle): string[] {
  const titleWidth = titleColumn(hits, style);
  const lines: string[] = [];
  for (const hit of hits) {
    lines.push(row(hit, titleWidth, style));
    if (hit.snippet !== '') lines.push('    ' + markHits(cut(hit.snippet, style.width === null ? null : style.width - 4), style));
  }
  return lines;
}

export function tagsTable(tags: ReadonlyArray<{ tag: string; count: number }>): string[] {
  const countWidth = Math.max(...tags.map((t) => String(t.count).length));
  return tags.map((t) => `${String(t.count).padStart(countWidth)}  #${t.tag}`);
}

export function tasksTable(tasks: readonly TaskRow[], style: TextStyle): string[] {
  const anyDue = tasks.some((t) => t.due !== null);
  return tasks.map((t) => {
    const box = t.done ? '[x]' : '[ ]';
    const due = anyDue ? `${(t.due ?? '').padEnd(DATE_WIDTH)}  ` : '';
    const where = style.dim(`${t.path}:${t.line}`);
    const text = style.width === null ? t.text : cut(t.text, Math.max(20, style.width - 6 - due.length - width(`${t.path}:${t.line}`)));
    return `${box} ${due}${text}  ${where}`;
  });
}

/** `inkdex show`: the entry's facts, then its body. */
export function entryPage(e: ReadEntryResult, style: TextStyle): string[] {
  const lines = [style.strong(e.title), `${e.path}  ${style.dim(`id ${e.id}`)}${e.date ? `  ${e.date}` : ''}`];
  if (e.tags.length > 0) lines.push(`tags: ${e.tags.map((t) => `#${t}`).join(' ')}`);
  if (e.aliases.length > 0) lines.push(`aliases: ${e.aliases.join(', ')}`);
  const fm = Object.entries(e.frontmatter as Record<string, unknown>);
  if (fm.length > 0) {
    lines.push('', style.strong('frontmatter'));
    for (const [k, v] of fm) lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (e.tasks.length > 0) {
    lines.push('', style.strong('tasks'));
    for (const t of e.tasks) lines.push(`  ${t.done ? '[x]' : '[ ]'} ${t.text}  ${style.dim(`line ${t.line}`)}${t.due ? `  due ${t.due}` : ''}`);
  }
  if (e.links.length > 0) {
    lines.push('', style.strong('links'));
    for (const l of e.links) lines.push(`  ${l.target}${l.anchor ? `#${l.anchor}` : ''} → ${l.targetPath ?? style.dim('(no such entry)')}`);
  }
  if (e.backlinks.length > 0) {
    lines.push('', style.strong('backlinks'));
    for (const b of e.backlinks) lines.push(`  ${b.title}  ${style.dim(b.path)}`);
  }
  lines.push('', style.dim('─'.repeat(Math.min(style.width ?? 40, 40))), e.body.replace(/\s+$/, ''));
  return lines;
}

/** The title column: as wide as the longest title, at most MAX_TITLE on a terminal. */
function titleColumn(entries: ReadonlyArray<{ title: string }>, style: TextStyle): number {
  const longest = Math.max(5, ...entries.map((e) => width(cut(e.title, null))));
  return style.width === null ? longest : Math.min(MAX_TITLE, longest);
}

function row(e: Pick<ListedEntry, 'title' | 'date' | 'path'>, titleWidth: number, style: TextStyle): string {
  const date = (e.date ?? '').padEnd(DATE_WIDTH);
  if (style.width === null) return `${date}  ${pad(cut(e.title, null), titleWidth)}  ${e.path}`;
  const title = pad(cut(e.title, titleWidth), titleWidth);
  const room = style.width - DATE_WIDTH - titleWidth - 4;
  return `${date}  ${title}  ${style.dim(cut(e.path, Math.max(10, room)))}`;
}

/** «matched» words shown with the style's emphasis (kept as «» when there is none). */
function markHits(snippet: string, style: TextStyle): string {
  const probe = style.strong('x');
  if (probe === 'x') return snippet;
  return snippet.replace(/«([^»]*)»/g, (_m, word: string) => style.strong(word));
}

/** At most `max` characters, with … when cut; null: never cut. */
function cut(s: string, max: number | null): string {
  const flat = s.replace(/\s+/g, ' ');
  if (max === null || width(flat) <= max) return flat;
  return [...flat].slice(0, Math.max(1, max - 1)).join('') + '…';
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - width(s)));
}

/** Characters as a terminal counts them, near enough (code points). */
function width(s: string): number {
  return [...s].length;
}
