/**
 * Links (https://help.obsidian.md/links, https://help.obsidian.md/embeds): `[[Note]]`,
 * `[[Note|shown]]`, `[[Note#Heading]]`, `[[Note#^block]]`, `[[#Heading]]` (this note);
 * markdown links `[text](path.md#anchor)` (not URLs, not a bare `#anchor`); and embeds
 * `![[…]]` and `![](…)` as kind `embed`. One link per occurrence, with its line. Blanks
 * what it took in `line.text`, so that no link target is read as a tag afterwards.
 */
import { nfc } from '../nfc.js';
import { blank, type Found, type Line, type LinkKind } from './found.js';

const WIKILINK = /!?\[\[([^[\]\n]+?)\]\]/g;
/**
 * A bare destination holds no bracket or parenthesis: with `(`/`[` allowed, a line of
 * 20k `[a](` took 1.7 s (each link start consumed the rest of the line before failing);
 * now linear. (`[x](file(1).md)` was never read whole anyway.)
 */
const MD_LINK = /(!?)\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^\s()[\]]+)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)/g;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function extractLinks(line: Line, found: Found): void {
  let text = line.text;
  if (!text.includes('[')) return;
  const add = (target: string, kind: LinkKind, form: 'wiki' | 'markdown', anchor: string | null): void => {
    found.links.push({ target: nfc(target), kind, form, anchor: anchor === null ? null : nfc(anchor), line: line.number });
  };
  text = text.replace(WIKILINK, (whole, inner: string) => {
    // `[[Note\|shown]]`: the escaped pipe Obsidian writes inside tables.
    const wanted = inner.split('|')[0]!.replace(/\\$/, '');
    const hash = wanted.indexOf('#');
    const target = (hash === -1 ? wanted : wanted.slice(0, hash)).trim();
    const anchor = hash === -1 ? '' : wanted.slice(hash + 1).trim();
    if (target !== '' || anchor !== '') add(target, whole.startsWith('!') ? 'embed' : 'wiki', 'wiki', anchor === '' ? null : anchor);
    return blank(whole);
  });
  if (text.includes('](')) {
    text = text.replace(MD_LINK, (whole, bang: string, dest: string) => {
      const link = markdownDestination(dest);
      if (link !== null) add(link.target, bang === '' ? 'markdown' : 'embed', 'markdown', link.anchor);
      return whole.slice(0, whole.indexOf('](') + 1) + blank(whole.slice(whole.indexOf('](') + 1));
    });
  }
  line.text = text;
}

/**
 * The target (URL-decoded, without `?query`) and anchor of a markdown link destination;
 * null for URLs and for a bare `#anchor` (web-style in-page anchors, mostly generated
 * slugs that name no heading as written).
 */
function markdownDestination(dest: string): { target: string; anchor: string | null } | null {
  const d = dest.startsWith('<') ? dest.slice(1, -1) : dest;
  if (URL_SCHEME.test(d) || d.startsWith('//')) return null;
  const hash = d.indexOf('#');
  const path = (hash === -1 ? d : d.slice(0, hash)).replace(/\?.*$/, '');
  if (path === '') return null;
  const anchor = hash === -1 ? '' : decode(d.slice(hash + 1), decodeURIComponent).trim();
  return { target: decode(path, decodeURI), anchor: anchor === '' ? null : anchor };
}

function decode(s: string, how: (s: string) => string): string {
  try {
    return how(s);
  } catch {
    return s; // keep it as written when the escapes are malformed
  }
}
