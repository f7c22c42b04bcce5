/** Composes the text of one realistic journal note from a seeded PRNG. */
import type { Rng } from './prng.js';
import {
  ACCENTED_WORDS, CJK_WORDS, CODE_LANGS, CODE_LINES, EMOJI, MOODS, PEOPLE, TAGS, WEATHER, WORDS,
} from './vocabulary.js';

export interface NoteSpec {
  /** YYYY-MM-DD for daily notes, else null. */
  date: string | null;
  title: string;
  hasFrontmatter: boolean;
  /** Frontmatter whose YAML does not parse. */
  invalidYaml: boolean;
  /** Approximate size of the body in UTF-8 bytes. */
  bodyBytes: number;
  /** Titles that wikilinks may point to. */
  linkTargets: readonly string[];
}

function word(rng: Rng): string {
  const r = rng.next();
  if (r < 0.04) return rng.pick(ACCENTED_WORDS);
  if (r < 0.055) return rng.pick(CJK_WORDS);
  if (r < 0.065) return rng.pick(EMOJI);
  return rng.pick(WORDS);
}

function inlineTag(rng: Rng): string {
  return `#${rng.pick(TAGS)}`;
}

function wikilink(rng: Rng, targets: readonly string[]): string {
  const target = rng.chance(0.5) && targets.length > 0 ? rng.pick(targets) : rng.pick(PEOPLE);
  const r = rng.next();
  if (r < 0.2) return `[[${target}|${rng.pick(WORDS)}]]`;
  if (r < 0.28) return `[[${target}#${rng.pick(WORDS)}]]`;
  return `[[${target}]]`;
}

function extra(rng: Rng, targets: readonly string[]): string {
  const r = rng.next();
  if (r < 0.4) return inlineTag(rng);
  if (r < 0.75) return wikilink(rng, targets);
  if (r < 0.82) return `[${rng.pick(WORDS)}](../notes/${rng.pick(WORDS)}.md)`;
  if (r < 0.88) return `[link](https://example.com/${rng.pick(WORDS)}?q=${rng.int(1, 999)})`;
  if (r < 0.93) return `\`#${rng.pick(WORDS)}\``;
  if (r < 0.96) return `#${rng.int(1, 999)}`;
  return `**${rng.pick(WORDS)}**`;
}

function sentence(rng: Rng, targets: readonly string[]): string {
  const n = rng.int(6, 18);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(word(rng));
  if (rng.chance(0.26)) parts.splice(rng.int(1, parts.length), 0, extra(rng, targets));
  const first = parts[0] ?? '';
  parts[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return parts.join(' ') + rng.pick(['.', '.', '.', '!', '?', '…']);
}

function paragraph(rng: Rng, targets: readonly string[]): string {
  const n = rng.int(2, 6);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(sentence(rng, targets));
  return out.join(' ');
}

function cjkParagraph(rng: Rng): string {
  const out: string[] = [];
  const n = rng.int(8, 30);
  for (let i = 0; i < n; i++) out.push(rng.pick(CJK_WORDS));
  return out.join('') + '。';
}

function heading(rng: Rng): string {
  const level = rng.pick(['##', '##', '###']);
  const text = `${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
  return rng.chance(0.25) ? `${level} ${text} ${inlineTag(rng)}` : `${level} ${text}`;
}

function taskList(rng: Rng, targets: readonly string[]): string {
  const n = rng.int(1, 6);
  const bullet = rng.pick(['-', '-', '-', '*', '+']);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const box = rng.chance(0.45) ? '[x]' : '[ ]';
    let text = `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
    if (rng.chance(0.2)) text += ` ${extra(rng, targets)}`;
    lines.push(`${bullet} ${box} ${text}`);
  }
  return lines.join('\n');
}

function bulletList(rng: Rng, targets: readonly string[]): string {
  const n = rng.int(2, 5);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const item = rng.chance(0.2) ? wikilink(rng, targets) : `${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
    lines.push(`- ${item}`);
  }
  return lines.join('\n');
}

function codeBlock(rng: Rng): string {
  const n = rng.int(1, 5);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(rng.pick(CODE_LINES));
  return '```' + rng.pick(CODE_LANGS) + '\n' + lines.join('\n') + '\n```';
}

function block(rng: Rng, targets: readonly string[]): string {
  const r = rng.next();
  if (r < 0.50) return paragraph(rng, targets);
  if (r < 0.60) return heading(rng);
  if (r < 0.72) return taskList(rng, targets);
  if (r < 0.81) return bulletList(rng, targets);
  if (r < 0.85) return codeBlock(rng);
  if (r < 0.89) return `> ${sentence(rng, targets)}`;
  if (r < 0.95) return `${String(rng.int(6, 23)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])} — ${sentence(rng, targets)}`;
  return cjkParagraph(rng);
}

function yamlTags(rng: Rng): string {
  const n = rng.int(1, 4);
  const tags: string[] = [];
  for (let i = 0; i < n; i++) tags.push(rng.pick(TAGS));
  const key = rng.chance(0.9) ? 'tags' : rng.pick(['tag', 'Tags']);
  const r = rng.next();
  if (r < 0.4) return `${key}: [${tags.join(', ')}]`;
  if (r < 0.7) return `${key}:\n${tags.map((t) => `  - ${t}`).join('\n')}`;
  if (r < 0.93) return `${key}: ${tags.join(', ')}`;
  return `${key}: "${tags.map((t) => `#${t}`).join(' ')}"`;
}

function frontmatter(rng: Rng, spec: NoteSpec): string {
  const lines: string[] = [];
  if (spec.invalidYaml) {
    // Each variant makes js-yaml throw (unclosed flow list, unclosed quote, bad indentation).
    const variant = rng.int(0, 2);
    if (variant === 0) lines.push(`title: ${JSON.stringify(spec.title)}`, 'tags: [daily, work', 'mood: ok');
    else if (variant === 1) lines.push('title: "unterminated title', `date: ${spec.date ?? '2024-01-01'}`);
    else lines.push(`title: ${JSON.stringify(spec.title)}`, '  tags:', ' - broken', 'mood: : :');
    return `---\n${lines.join('\n')}\n---\n`;
  }
  if (rng.chance(0.8)) lines.push(`title: ${JSON.stringify(spec.title)}`);
  if (spec.date !== null && rng.chance(0.9)) {
    lines.push(rng.chance(0.9) ? `date: ${spec.date}` : `day: "${spec.date}T08:30:00+02:00"`);
  } else if (rng.chance(0.3)) {
    lines.push(`created: ${2016 + rng.int(0, 9)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`);
  }
  if (rng.chance(0.85)) lines.push(yamlTags(rng));
  if (rng.chance(0.6)) lines.push(`mood: ${rng.pick(MOODS)}`);
  if (rng.chance(0.25)) lines.push(`weather: ${JSON.stringify(rng.pick(WEATHER))}`);
  if (rng.chance(0.1)) lines.push(`people: [${JSON.stringify(rng.pick(PEOPLE))}]`);
  if (rng.chance(0.05)) lines.push(`rating: ${rng.int(1, 5)}`, 'draft: false');
  if (lines.length === 0 && rng.chance(0.8)) lines.push(`title: ${JSON.stringify(spec.title)}`);
  return `---\n${lines.join('\n')}\n---\n`;
}

/** Returns the note's full text with `\n` line endings and no BOM. */
export function composeNote(rng: Rng, spec: NoteSpec): string {
  const head = spec.hasFrontmatter ? frontmatter(rng, spec) : '';
  const blocks: string[] = [];
  if (!spec.hasFrontmatter || rng.chance(0.3)) blocks.push(`# ${spec.title}`);
  let bytes = 0;
  while (bytes < spec.bodyBytes) {
    const b = block(rng, spec.linkTargets);
    blocks.push(b);
    bytes += Buffer.byteLength(b) + 2;
  }
  return head + (head && rng.chance(0.7) ? '\n' : '') + blocks.join('\n\n') + '\n';
}
