// The dashboard's "Fields" panel: the field keys in use (frontmatter and Dataview's
// inline fields), each leading to the entries that have it, and a filter by key and
// value (#/field/key?value=v).
import { $, h, replace } from './dom.js';
import { api } from './api.js';
import { fmtNum } from './format.js';
import { fieldHref } from './router.js';

const SHOWN = 12;

export async function loadFields() {
  try {
    const data = await api('/api/fields');
    const fields = (data && Array.isArray(data.fields) ? data.fields : []).filter((f) => f && typeof f.key === 'string' && f.key !== '');
    replace($('fields-list'), ...fields.slice(0, SHOWN).map((f) => h('li', null, fieldLink(f))));
    const select = $('field-key');
    const chosen = select.value;
    replace(select, ...fields.map((f) => h('option', { value: f.key }, `${f.key} (${fmtNum(f.count)})`)));
    if (fields.some((f) => f.key === chosen)) select.value = chosen;
    $('fields-panel').hidden = fields.length === 0;
  } catch {
    $('fields-panel').hidden = true; // optional view: stay quiet
  }
}

function fieldLink(f) {
  return h(
    'a',
    { class: 'field-link', href: fieldHref(f.key), data: { key: f.key } },
    h('span', { class: 'field-key' }, f.key),
    h('span', { class: 'tag-count' }, fmtNum(f.count)),
  );
}

/** The filter form: a key and, optionally, the value it must have. */
export function wireFieldFilter() {
  $('field-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('field-key').value;
    if (key) location.hash = fieldHref(key, $('field-value').value.trim());
  });
}
