/**
 * Frontmatter: the YAML block fenced by `---` at the very top of a file.
 *
 * The rule: a block that gray-matter's own default YAML engine (js-yaml 3, `safeLoad`)
 * reads is read, with the same data — so a note keeps the title, date and tags its
 * authoring tool (Eleventy, Jekyll-style site generators, Obsidian plugins built on
 * gray-matter) sees. What only a stricter YAML 1.2 parser objects to (a tab indenting a
 * blank line of a block scalar, a mapping used as a key) becomes a soft `warning`, never
 * an error. Only frontmatter that no mainstream reader accepts is an error.
 *
 * gray-matter finds the fences; we hand it our own engines so that:
 * - it never caches (it caches only when called without options),
 * - `---js` / `---javascript` blocks are refused instead of being passed to `eval`,
 * - YAML timestamps stay strings, so dates are never shifted by a time zone and
 *   impossible dates (2024-02-30) are not silently rolled over by `Date`,
 * - aliases that would expand to a huge value ("billion laughs") are refused.
 */
import { createRequire } from 'node:module';
import type matterType from 'gray-matter';
import type yamlType from 'js-yaml';

// Loaded on first use (~25 ms): a sync run that finds nothing changed never needs them.
const require = createRequire(import.meta.url);
let libs: { matter: typeof matterType; yaml: typeof yamlType; schema: yamlType.Schema } | undefined;
function yamlLibs(): NonNullable<typeof libs> {
  if (!libs) {
    const yaml = require('js-yaml') as typeof yamlType;
    // js-yaml 3 exposes its extra types only by path.
    const type = (name: string): yamlType.Type => require(`js-yaml/lib/js-yaml/type/${name}.js`) as yamlType.Type;
    const timestamp = type('timestamp');
    const binary = type('binary');
    // The same schema as js-yaml 3's DEFAULT_SAFE_SCHEMA (what gray-matter uses), so the
    // same files parse — except that timestamps stay the text written (no Date, no time
    // zone shift, no 2024-13-45 rolled over) and `!!binary` stays its base64 text (JSON
    // has no bytes). No JavaScript types: nothing in a file is ever executed.
    const schema = new yaml.Schema({
      include: [yaml.CORE_SCHEMA],
      implicit: [
        new yaml.Type('tag:yaml.org,2002:timestamp', { kind: 'scalar', resolve: timestamp.resolve, construct: (text: string) => text }),
        type('merge'),
      ],
      explicit: [
        new yaml.Type('tag:yaml.org,2002:binary', { kind: 'scalar', resolve: binary.resolve, construct: (text: string) => text.replace(/\s+/g, '') }),
        type('omap'),
        type('pairs'),
        type('set'),
      ],
    });
    libs = { matter: require('gray-matter') as typeof matterType, yaml, schema };
  }
  return libs;
}

/** A problem js-yaml would let through that we refuse anyway; `line` is the file's 1-based line. */
class RefusedYamlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** What the last successful `parseYaml` call noticed but accepted (gray-matter calls it synchronously). */
let lastWarning: string | null = null;

// Typed as `object` for gray-matter; the caller checks what it really is.
// `text` starts right after `---` (the rest of line 1), so its line i is the file's line i + 1.
function parseYaml(text: string): object {
  const { yaml, schema } = yamlLibs();
  const data = yaml.load(text, { schema }) as object;
  // Aliases share nodes, so a small file can stand for an exponentially large value
  // ("billion laughs"): stored as JSON it would be expanded. Refuse beyond a sane size.
  if (expandedSize(data, MAX_FRONTMATTER_NODES) > MAX_FRONTMATTER_NODES) {
    throw new RefusedYamlError(`the frontmatter expands to more than ${MAX_FRONTMATTER_NODES} values (aliases?)`, 1);
  }
  lastWarning = stricterParserObjection(text, data);
  return data;
}

/**
 * What a strict YAML 1.2 parser would refuse in a block js-yaml 3 read, as a note with the
 * file's line; null when nothing.
 */
function stricterParserObjection(text: string, data: unknown): string | null {
  const lines = text.split('\n');
  const tabbed = tabIndentedLine(lines);
  if (tabbed !== null) return `line ${tabbed + 1}: a tab is used for indentation, which strict YAML parsers refuse (read as gray-matter reads it)`;
  // js-yaml turns a mapping used as a key (`summary: {{template}}`) into "[object Object]".
  if (hasCollectionKey(data)) {
    const at = lines.findIndex((l) => /[{[]\s*[{[]|^\s*\?\s/.test(l));
    return `line ${(at === -1 ? 0 : at) + 1}: a mapping or list is used as a key (a template?); read as gray-matter reads it`;
  }
  return null;
}

/**
 * The first line indented with a tab (0-based), or null. YAML forbids tabs in
 * indentation, including inside block scalars (`>`/`|`); js-yaml 3 accepts some. A tab
 * after content (`key: value<TAB>`) is ordinary separation and allowed.
 */
function tabIndentedLine(lines: string[]): number | null {
  let block: { parent: number; indent: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const lead = /^[ \t]*/.exec(line)![0];
    const content = line.slice(lead.length);
    const tab = lead.indexOf('\t');
    const spaces = tab === -1 ? lead.length : tab;
    if (block) {
      if (content === '') {
        if (tab !== -1 && tab < (block.indent === -1 ? block.parent + 1 : block.indent)) return i;
        continue;
      }
      if (spaces > block.parent) {
        if (block.indent === -1) block.indent = spaces;
        if (tab !== -1 && tab < block.indent) return i;
        continue;
      }
      block = null;
    }
    if (content === '' || content.startsWith('#')) continue;
    if (tab !== -1) return i;
    if (/(?:^|[:-][ \t])[|>][-+0-9]*[ \t]*(?:#.*)?$/.test(content)) block = { parent: spaces, indent: -1 };
  }
  return null;
}

const MAX_FRONTMATTER_NODES = 100_000;

/** Values in `value` as JSON would write them (aliases counted each time), stopping past `limit`. */
function expandedSize(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= limit) {
    const v = stack.pop();
    count++;
    if (v !== null && typeof v === 'object') stack.push(...(Array.isArray(v) ? v : Object.values(v)));
  }
  return count;
}

function hasCollectionKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasCollectionKey);
  return Object.entries(value).some(([k, v]) => k === '[object Object]' || hasCollectionKey(v));
}

function refuseCode(): never {
  throw new Error('executable frontmatter (---js) is not allowed; only YAML is read');
}

const MATTER_OPTIONS = {
  language: 'yaml',
  engines: {
    yaml: { parse: parseYaml },
    js: { parse: refuseCode },
    javascript: { parse: refuseCode },
  },
};

export interface Frontmatter {
  /** The parsed YAML mapping; `{}` when absent or invalid. */
  data: Record<string, unknown>;
  /** Index in `text` where the body starts. */
  bodyStart: number;
  /** Why the frontmatter could not be read, naming its line; null when fine or absent. */
  error: string | null;
  /**
   * Read, but a strict YAML 1.2 parser would object (naming the line); null when clean.
   * A soft note: the data is kept and `error` stays null.
   */
  warning: string | null;
}

const OPENING_FENCE = /^---[^\S\r\n]*([^\r\n-][^\r\n]*)?\r?\n/;

/**
 * Splits `text` (BOM already removed) into frontmatter and body.
 * A file without a leading `---` line has no frontmatter and never reaches gray-matter.
 */
export function readFrontmatter(text: string): Frontmatter {
  const opening = OPENING_FENCE.exec(text);
  if (!opening) return { data: {}, bodyStart: 0, error: null, warning: null };
  // gray-matter treats the whole file as YAML when the closing fence is missing,
  // which would lose the body: refuse that case ourselves.
  if (text.indexOf('\n---', opening[0].length - 1) === -1) {
    return { data: {}, bodyStart: 0, error: 'frontmatter starting at line 1 has no closing --- line', warning: null };
  }
  try {
    // Only the frontmatter lines go to gray-matter: it copies its whole input into a Buffer.
    const close = text.indexOf('\n---', opening[0].length - 1);
    const closeLineEnd = text.indexOf('\n', close + 4);
    const head = closeLineEnd === -1 ? text : text.slice(0, closeLineEnd + 1);
    lastWarning = null;
    const file = yamlLibs().matter(head, MATTER_OPTIONS);
    const warning = lastWarning;
    const bodyStart = head.length - file.content.length;
    const data: unknown = file.data;
    if (data === null || data === undefined) return { data: {}, bodyStart, error: null, warning };
    if (typeof data !== 'object' || Array.isArray(data)) {
      return { data: {}, bodyStart, error: `frontmatter at line 2 is not a key: value mapping (found ${Array.isArray(data) ? 'a list' : typeof data})`, warning: null };
    }
    return { data: data as Record<string, unknown>, bodyStart, error: null, warning };
  } catch (err) {
    const close = text.indexOf('\n---', opening[0].length - 1);
    const lastYamlLine = text.slice(0, close).split('\n').length;
    return { data: {}, bodyStart: bodyAfterClosingFence(text, opening[0].length), error: describe(err, lastYamlLine), warning: null };
  }
}

/** Where the body starts when the YAML inside the fences failed to parse. */
function bodyAfterClosingFence(text: string, from: number): number {
  const close = text.indexOf('\n---', from - 1);
  const lineEnd = text.indexOf('\n', close + 4);
  return lineEnd === -1 ? text.length : lineEnd + 1;
}

/** @param lastYamlLine the file line of the block's last line ("end of stream" errors point past it) */
function describe(err: unknown, lastYamlLine: number): string {
  if (err instanceof RefusedYamlError) return `invalid YAML frontmatter at line ${err.line}: ${err.message}`;
  if (libs && err instanceof libs.yaml.YAMLException) {
    // The YAML text handed to the engine starts right after `---`, on the rest of line 1,
    // so js-yaml's 0-based line is the file's 1-based line.
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const reason = (err as { reason?: string }).reason ?? 'invalid YAML';
    if (!mark) return `invalid YAML frontmatter: ${reason}`;
    const line = Math.min(mark.line + 1, lastYamlLine);
    const column = line === mark.line + 1 ? `, column ${mark.column + 1}` : '';
    return `invalid YAML frontmatter at line ${line}${column}: ${reason}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `frontmatter at line 1 cannot be read: ${message}`;
}
