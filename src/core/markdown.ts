/**
 * Pure: one pass over a markdown body that hands each line outside code and comments to
 * the extractors in `extract/` (headings, blocks, tasks, fields, links, tags). Fenced code,
 * indented code, inline code and `%%comments%%` (inline or over several lines,
 * https://help.obsidian.md/syntax#Comments) hide everything; list items are followed so that
 * fields on a task's lines go to the task.
 */
import { extractBlock } from './extract/blocks.js';
import { extractFields } from './extract/fields.js';
import type { Extractor, Found, ItemPart, Line } from './extract/found.js';
import { extractHeading } from './extract/headings.js';
import { extractLinks } from './extract/links.js';
import { extractTags, isSpace } from './extract/tags.js';
import { extractTask, TASK_ITEM } from './extract/tasks.js';

export type { Block, Field, Found, Heading, Link, Task } from './extract/found.js';

/**
 * In this order: links blank their targets in `line.text` before tags are read (a link
 * target is no tag); the rest read the line as it came.
 */
const EXTRACTORS: readonly Extractor[] = [extractHeading, extractBlock, extractTask, extractFields, extractLinks, extractTags];

/** Indentation is checked by the caller; a backtick fence's info string has no backtick (else it is inline code). */
const FENCE_OPEN = /^[ \t]*(?:(`{3,})[^`]*|(~{3,}).*)$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
/** What some extractor looks for: `[` links and fields, `#` headings and tags, `^` block ids, `:` fields. */
const MARKUP = /[[#^:]/;

/** Scans `body`, whose first line is line `firstLine` of the file. */
export function scanMarkdown(body: string, firstLine: number): Found {
  const found: Found = { tags: [], links: [], tasks: [], headings: [], blocks: [], fields: [] };
  const lines = body.split('\n');
  let fence: Fence | null = null;
  let inComment = false;
  let previousBlank = true;
  let inList = false;
  let item: 'item' | 'task' | null = null;
  let inIndentedCode = false;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    const number = firstLine + i;
    if (inComment) {
      // A line that opens inside a comment has no structure of its own (no fence, list
      // or heading): what follows the comment's end is read as text.
      const visible = hideCodeAndComments(line, true);
      inComment = visible.inComment;
      if (!inComment) extract({ number, source: visible.source, text: visible.text, item: item === null ? 'none' : `${item}-text` }, found);
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
    const visible = hideCodeAndComments(line, false);
    inComment = visible.inComment;
    let part: ItemPart = 'none';
    if ((c === 45 || c === 42 || c === 43 || (c >= 48 && c <= 57)) && LIST_ITEM.test(visible.source)) {
      inList = true;
      item = TASK_ITEM.test(visible.source) ? 'task' : 'item';
      part = item;
    } else if (indent === 0 && (previousBlank || c === 35)) {
      // A paragraph after a blank line, or a heading, at column 0 ends the list.
      inList = false;
      item = null;
    } else if (inList && item !== null) {
      part = `${item}-text`;
    }
    previousBlank = false;
    // Every extractor looks for one of these first (a task is a list item): a line of
    // plain prose has nothing to give, and most lines are plain prose.
    if (part === 'none' && !MARKUP.test(visible.text)) continue;
    extract({ number, source: visible.source, text: visible.text, item: part }, found);
  }
  return found;
}

function extract(line: Line, found: Found): void {
  for (const extractor of EXTRACTORS) extractor(line, found);
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

/**
 * The line with `%%comments%%` blanked to spaces (`source`), and with code spans blanked
 * too (`text`), whichever opens first winning (`` `%%` `` is code, `%% `x` %%` a comment);
 * and whether a comment is still open at the line's end.
 * @param inComment the line starts inside a comment opened on an earlier line
 */
function hideCodeAndComments(line: string, inComment: boolean): { source: string; text: string; inComment: boolean } {
  if (!inComment && !line.includes('`') && !line.includes('%%')) return { source: line, text: line, inComment: false };
  let source = '';
  let text = '';
  let i = 0;
  if (inComment) {
    const close = line.indexOf('%%');
    if (close === -1) return { source: '', text: '', inComment: true };
    source = text = ' '.repeat(close + 2);
    i = close + 2;
  }
  while (i < line.length) {
    const tick = line.indexOf('`', i);
    const comment = line.indexOf('%%', i);
    if (comment !== -1 && (tick === -1 || comment < tick)) {
      const close = line.indexOf('%%', comment + 2);
      const end = close === -1 ? line.length : close + 2;
      const hidden = line.slice(i, comment) + ' '.repeat(end - comment);
      source += hidden;
      text += hidden;
      i = end;
      if (close === -1) return { source, text, inComment: true };
      continue;
    }
    if (tick === -1) break;
    let end = tick;
    while (line[end] === '`') end++;
    const ticks = line.slice(tick, end);
    let close = line.indexOf(ticks, end);
    while (close !== -1 && line[close + ticks.length] === '`') {
      let skip = close;
      while (line[skip] === '`') skip++;
      close = line.indexOf(ticks, skip);
    }
    if (close === -1) {
      // An unclosed run of backticks is plain text.
      source += line.slice(i, end);
      text += line.slice(i, end);
      i = end;
      continue;
    }
    const span = line.slice(tick, close + ticks.length);
    source += line.slice(i, tick) + span;
    text += line.slice(i, tick) + '.'.repeat(span.length);
    i = close + ticks.length;
  }
  return { source: source + line.slice(i), text: text + line.slice(i), inComment: false };
}
