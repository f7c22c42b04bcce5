/**
 * What the markdown extractors find in a body, and the one line each of them is given.
 * Every extractor in this folder has the same shape — `(line: Line, found: Found) => void`
 * — and is called by markdown.ts for each line that is not code or a comment.
 */

export type LinkKind = 'wiki' | 'markdown' | 'embed';

export interface Link {
  /** What the link names, without its anchor or shown text; '' for a link into the note itself (`[[#Heading]]`). */
  target: string;
  kind: LinkKind;
  /** How it was written: `[[…]]` names a note by name or path, `(…)` a path relative to the note (an embed is either). */
  form: 'wiki' | 'markdown';
  /** The part after '#': a heading, or '^id' for a block; null when none. */
  anchor: string | null;
  /** 1-based line in the file. */
  line: number;
}

export interface Task {
  /** 1-based line in the file (frontmatter lines counted). */
  line: number;
  text: string;
  done: boolean;
  /** `YYYY-MM-DD` or null (Tasks' 📅, or Dataview's `[due:: …]`). */
  due: string | null;
  /** ⏳ or `[scheduled:: …]`. */
  scheduled: string | null;
  /** ✅ or `[completion:: …]`. */
  doneDate: string | null;
  /** 'highest' | 'high' | 'medium' | 'low' | 'lowest' (Tasks' emoji), a `[priority:: …]` value, or null. */
  priority: string | null;
}

export interface Heading {
  level: number;
  text: string;
  line: number;
}

export interface Block {
  /** `^id`, as a link's anchor names it. */
  id: string;
  line: number;
}

export type FieldType = 'text' | 'number' | 'date' | 'bool' | 'link';

export interface Field {
  key: string;
  value: string;
  type: FieldType;
  /** The number (bool: 1/0) for 'number' and 'bool', else null. */
  num: number | null;
  source: 'frontmatter' | 'inline';
  /** Inline fields: the 1-based line; frontmatter: null. */
  line: number | null;
}

/** Everything found in one body. */
export interface Found {
  /** Inline tags as written (without `#`), not yet normalised. */
  tags: string[];
  links: Link[];
  tasks: Task[];
  headings: Heading[];
  blocks: Block[];
  /** Inline fields of the page (not those on a task's line, which belong to the task). */
  fields: Field[];
}

/**
 * What a list item line is: the first line of an item (`item`, or `task` for `- [ ]`), a
 * line that continues one (`item-text`, `task-text`: a lazy or indented continuation), or
 * no part of a list (`none`).
 */
export type ItemPart = 'none' | 'item' | 'task' | 'item-text' | 'task-text';

/** One line of the body, outside code and comments. */
export interface Line {
  /** 1-based line in the file. */
  number: number;
  /** The line as written, with `%%comments%%` blanked to spaces (same length, same columns). */
  source: string;
  /**
   * `source` with code spans blanked too, where markup is looked for. The links extractor
   * blanks the links it took, so that the tags extractor after it never reads a link
   * target as a tag.
   */
  text: string;
  item: ItemPart;
}

export type Extractor = (line: Line, found: Found) => void;

/**
 * Hides a stretch of text from the extractors that come after. `.` ends a tag but cannot
 * start one, so `[[x]]#a`, `](x.md)#a` and `` `x`#a `` stay non-tags, as in the original text.
 */
export function blank(s: string): string {
  return '.'.repeat(s.length);
}
