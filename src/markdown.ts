/**
 * Pure: one pass over a markdown body that collects the first `# ` heading, inline tags,
 * links and tasks — skipping fenced code, indented code and inline code, where none of
 * those exist.
 */

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

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const TASK = /^[ \t]*[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?$/;
const H1 = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const WIKILINK = /!?\[\[([^[\]\n]+?)\]\]/g;
const MD_LINK = /(!?)\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)/g;
/**
 * `#` at line start or after whitespace, `(` or `[`, then a run up to whitespace or
 * punctuation that ends tags. `#` itself ends the run so `#a#b` can be rejected below.
 */
const TAG = /(?<=^|[\s([])#([^\s,.;:!?'"`()[\]{}<>|\\^~=+*&%$@#]+)/gu;
const HAS_NON_DIGIT = /\P{Nd}/u;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Scans `body`, whose first line is line `firstLine` of the file. */
export function scanMarkdown(body: string, firstLine: number): MarkdownScan {
  const scan: MarkdownScan = { firstHeading: null, tags: [], links: [], tasks: [] };
  const seenLinks = new Set<string>();
  const lines = body.split('\n');
  let fence: { char: string; length: number } | null = null;
  let previousBlank = true;
  let inList = false;
  let inIndentedCode = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    if (line.trim() === '') {
      previousBlank = true;
      continue;
    }
    const indent = indentWidth(line);
    if (indent >= 4 && (inIndentedCode || (previousBlank && !inList))) {
      inIndentedCode = true;
      previousBlank = false;
      continue;
    }
    inIndentedCode = false;
    const open = FENCE_OPEN.exec(line);
    if (open) {
      fence = { char: open[1]![0]!, length: open[1]!.length };
      previousBlank = false;
      continue;
    }
    if (LIST_ITEM.test(line)) inList = true;
    // A paragraph after a blank line, or a heading, at column 0 ends the list.
    else if (indent === 0 && (previousBlank || line.startsWith('#'))) inList = false;
    previousBlank = false;

    readLine(line, firstLine + i, scan, seenLinks);
  }
  return scan;
}

function closesFence(line: string, fence: { char: string; length: number }): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m !== null && m[1]![0] === fence.char && m[1]!.length >= fence.length;
}

function indentWidth(line: string): number {
  let width = 0;
  for (const ch of line) {
    if (ch === ' ') width++;
    else if (ch === '\t') width += 4 - (width % 4);
    else break;
  }
  return width;
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
  if (!text.includes('#')) return;
  for (const m of text.matchAll(TAG)) {
    const run = m[1]!;
    const next = text[m.index + 1 + run.length];
    if (next === '#') continue; // `#a#b` is not a tag
    if (!HAS_NON_DIGIT.test(run)) continue; // `#123` is an issue number, not a tag
    scan.tags.push(run);
  }
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

function blank(s: string): string {
  return ' '.repeat(s.length);
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
  return d.normalize('NFC');
}

function addLink(scan: MarkdownScan, seen: Set<string>, target: string, kind: Link['kind']): void {
  const key = `${kind}\0${target}`;
  if (seen.has(key)) return;
  seen.add(key);
  scan.links.push({ target: target.normalize('NFC'), kind });
}
