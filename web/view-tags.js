// The most used tags, each leading to its entries.
import { $, h, replace } from './dom.js';
import { api } from './api.js';
import { tagLink } from './lists.js';

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
