// The most used tags, each leading to its entries.
import { $, h, replace } from './dom.js';
import { api } from './api.js';
import { fmtNum } from './format.js';
import { tagHref } from './router.js';

export function tagLink(tag, count) {
  return h(
    'a',
    { class: 'tag', href: tagHref(tag), data: { tag } },
    h('span', { class: 'tag-name' }, `#${tag}`),
    count !== undefined ? h('span', { class: 'tag-count' }, fmtNum(count)) : null,
  );
}

export async function loadTags() {
  try {
    const data = await api('/api/tags');
    const tags = (data && Array.isArray(data.tags) ? data.tags : [])
      .filter((t) => t && t.tag !== undefined && t.tag !== null)
      .sort((a, b) => (b.count || 0) - (a.count || 0))
      .slice(0, 12);
    replace($('tags-list'), ...tags.map((t) => h('li', null, tagLink(String(t.tag), t.count))));
    $('top-tags').hidden = tags.length === 0;
  } catch {
    $('top-tags').hidden = true; // optional view: stay quiet
  }
}
