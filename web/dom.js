// DOM helpers. The one safety rule of the page lives here: every string that comes
// from the server or the journal is inserted as text (text nodes, textContent,
// attribute values), never parsed as HTML. No module of the page uses innerHTML.

export const $ = (id) => document.getElementById(id);

/**
 * h('a', {class: 'x', href: '#/entry/3', data: {id: 3}, onclick: fn}, child, 'text', ...)
 * Strings and numbers become text nodes; null/undefined/false are skipped. `on…` keys
 * take functions only (listeners, never inline handler attributes: the CSP forbids them).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on')) {
        if (typeof value === 'function') el.addEventListener(key.slice(2), value);
        continue;
      }
      if (key === 'style') continue; // inline styles are refused by the CSP: use classes
      if (key === 'class') el.className = value;
      else if (key === 'data') {
        for (const [k, v] of Object.entries(value)) {
          if (v !== null && v !== undefined) el.dataset[k] = String(v);
        }
      } else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Like el.replaceChildren(), but skips null/undefined/false (which the DOM would print as "null"). */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function setText(el, text) {
  const s = text === null || text === undefined ? '' : String(text);
  if (el && el.textContent !== s) el.textContent = s;
}

/**
 * A search snippet whose hits are marked «like this» as nodes: the marked parts become
 * <mark> elements, everything else text. Unbalanced marks are shown as they are.
 */
export function markedText(snippet) {
  const text = snippet === null || snippet === undefined ? '' : String(snippet);
  const out = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('«', i);
    const close = open < 0 ? -1 : text.indexOf('»', open + 1);
    if (open < 0 || close < 0) {
      out.push(text.slice(i));
      break;
    }
    if (open > i) out.push(text.slice(i, open));
    out.push(h('mark', null, text.slice(open + 1, close)));
    i = close + 1;
  }
  return out;
}
