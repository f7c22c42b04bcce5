/**
 * Pure: one pass over a markdown body that collects the first `# ` heading, inline tags,
 * links and tasks — skipping fenced code, indented code and inline code, where none of
 * those exist.
 */
import { nfc } from './nfc.js';

export interface Link {
  target: string;
  kind: 'wiki' | 'markdown';
}

export interface Task {
  /** 1-based line in the file (frontmatter lines counted). */
  line: number;
  text: string;
  done: boolean;
}

export interface MarkdownScan {
  firstHeading: string | null;
  /** Inline tags as written (without `#`), not yet normalised. */
  tags: string[];
  links: Link[];
  tasks: Task[];
}

/** Indentation is checked by the caller; a backtick fence's info string has no backtick (else it is inline code). */
const FENCE_OPEN = /^[ \t]*(?:(`{3,})[^`]*|(~{3,}).*)$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const TASK = /^[ \t]*[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?$/;
const H1 = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const WIKILINK = /!?\[\[([^[\]\n]+?)\]\]/g;
const MD_LINK = /(!?)\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)/g;
const HAS_NON_DIGIT = /\P{Nd}/u;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Scans `body`, whose first line is line `firstLine` of the file. */
export function scanMarkdown(body: string, firstLine: number): MarkdownScan {
  const scan: MarkdownScan = { firstHeading: null, tags: [], links: [], tasks: [] };
  const seenLinks = new Set<string>();
  const lines = body.split('\n');
  let fence: Fence | null = null;
  let previousBlank = true;
  let inList = false;
  let inIndentedCode = false;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    const { indent, first } = leading(line);
    if (first === -1) {
      previousBlank = true;
      continue;
    }
    if (indent >= 4 && (inIndentedCode || (previousBlank && !inList))) {
      inIndentedCode = true;
      previousBlank = false;
      continue;
    }
    inIndentedCode = false;
    const c = line.charCodeAt(first);
    // ``` or ~~~; inside a list item a fence is indented like the item's text.
    if ((c === 96 || c === 126) && (indent <= 3 || inList)) {
      const open = FENCE_OPEN.exec(line);
      if (open) {
        const marks = open[1] ?? open[2]!;
        fence = { char: marks[0]!, length: marks.length, indent };
        previousBlank = false;
        continue;
      }
    }
    if ((c === 45 || c === 42 || c === 43 || (c >= 48 && c <= 57)) && LIST_ITEM.test(line)) inList = true;
    // A paragraph after a blank line, or a heading, at column 0 ends the list.
    else if (indent === 0 && (previousBlank || c === 35)) inList = false;
    previousBlank = false;

    readLine(line, firstLine + i, scan, seenLinks);
  }
  return scan;
}

/** Indentation width (tabs to multiples of 4) and the index of the first non-blank character (-1: blank line). */
function leading(line: string): { indent: number; first: number } {
  let indent = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) indent++;
    else if (c === 9) indent += 4 - (indent % 4);
    else if (isSpace(c)) continue;
    else return { indent, first: i };
  }
  return { indent, first: -1 };
}

interface Fence {
  char: string;
  length: number;
  /** Indentation of the opening fence; the closing one may be indented up to 3 more. */
  indent: number;
}

function closesFence(line: string, fence: Fence): boolean {
  const m = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m !== null && m[1]![0] === fence.char && m[1]!.length >= fence.length && leading(line).indent <= fence.indent + 3;
}

function readLine(line: string, lineNumber: number, scan: MarkdownScan, seenLinks: Set<string>): void {
  const hasBracket = line.includes('[');
  const hasHash = line.includes('#');
  if (!hasBracket && !hasHash) return;
  if (hasBracket) {
    const task = TASK.exec(line);
    if (task) scan.tasks.push({ line: lineNumber, text: (task[2] ?? '').trim(), done: task[1] !== ' ' });
  }
  if (scan.firstHeading === null && hasHash) {
    const h1 = H1.exec(line);
    if (h1 && h1[1]!.trim() !== '') scan.firstHeading = h1[1]!.trim();
  }

  // Inline code hides everything; link targets are not tags (`[[#heading]]`, `](#anchor)`).
  let text = line.includes('`') ? blankInlineCode(line) : line;
  if (text.includes('[')) {
    text = text.replace(WIKILINK, (whole, inner: string) => {
      const target = inner.split('|')[0]!.split('#')[0]!.trim();
      if (target !== '') addLink(scan, seenLinks, target, 'wiki');
      return blank(whole);
    });
    text = text.replace(MD_LINK, (whole, bang: string, dest: string) => {
      const target = markdownTarget(dest);
      if (bang === '' && target !== null) addLink(scan, seenLinks, target, 'markdown');
      return whole.slice(0, whole.indexOf('](') + 1) + blank(whole.slice(whole.indexOf('](') + 1));
    });
  }
  if (hasHash) readTags(text, scan.tags);
}

/**
 * Inline tags: `#` at line start or after whitespace, `(` or `[`, then a run of
 * characters up to whitespace or punctuation that ends tags.
 */
function readTags(text: string, out: string[]): void {
  for (let i = text.indexOf('#'); i !== -1; i = text.indexOf('#', i + 1)) {
    if (i > 0) {
      const before = text.charCodeAt(i - 1);
      if (!(isSpace(before) || before === 40 || before === 91)) continue;
    }
    let end = i + 1;
    while (end < text.length && !endsTag(text.charCodeAt(end))) end++;
    if (end === i + 1) continue;
    if (text.charCodeAt(end) === 35) continue; // `#a#b` is not a tag
    const run = text.slice(i + 1, end);
    if (HAS_NON_DIGIT.test(run)) out.push(run); // `#123` is an issue number, not a tag
    i = end - 1;
  }
}

/** ASCII characters that end a tag (besides whitespace); `#` too, so `#a#b` can be refused. */
const TAG_END = new Uint8Array(128);
for (const ch of ',.;:!?\'"`()[]{}<>|\\^~=+*&%$@#') TAG_END[ch.charCodeAt(0)] = 1;

function endsTag(c: number): boolean {
  return c < 128 ? TAG_END[c] === 1 || c === 32 || (c >= 9 && c <= 13) : isSpace(c);
}

/** JavaScript's `\s`, by code unit. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Blanks code spans: a run of backticks up to the next run of the same length. */
function blankInlineCode(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const open = line.indexOf('`', i);
    if (open === -1) break;
    let end = open;
    while (line[end] === '`') end++;
    const ticks = line.slice(open, end);
    let close = line.indexOf(ticks, end);
    while (close !== -1 && line[close + ticks.length] === '`') {
      let skip = close;
      while (line[skip] === '`') skip++;
      close = line.indexOf(ticks, skip);
    }
    if (close === -1) {
      out += line.slice(i, end);
      i = end;
      continue;
    }
    out += line.slice(i, open) + blank(line.slice(open, close + ticks.length));
    i = close + ticks.length;
  }
  return out + line.slice(i);
}

/**
 * Hides code spans and link parts from the tag reader. `.` ends a tag but cannot start
 * one, so `[[x]]#a`, `](x.md)#a` and `` `x`#a `` stay non-tags, as in the original text.
 */
function blank(s: string): string {
  return '.'.repeat(s.length);
}

/** The link target of a markdown link destination, or null for URLs and bare anchors. */
function markdownTarget(dest: string): string | null {
  let d = dest.startsWith('<') ? dest.slice(1, -1) : dest;
  if (URL_SCHEME.test(d) || d.startsWith('//')) return null;
  d = d.replace(/[?#].*$/, '');
  if (d === '') return null;
  try {
    d = decodeURI(d);
  } catch {
    // keep it as written when the escapes are malformed
  }
  return nfc(d);
}

function addLink(scan: MarkdownScan, seen: Set<string>, target: string, kind: Link['kind']): void {
  const key = `${kind}\0${target}`;
  if (seen.has(key)) return;
  seen.add(key);
  scan.links.push({ target: nfc(target), kind });
}
