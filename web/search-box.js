// The search box in the header: "/" puts the cursor in it, and it searches as the person
// types — the address (`#/search?q=…`) follows the box, and the router shows the results.
import { $ } from './dom.js';
import { navigate, render, searchHref } from './router.js';

/**
 * Results follow the box this long after the last key (SPEC §4.2 asks for at most
 * 150 ms): one request per pause in typing rather than one per key, and the rest of the
 * 150 ms left for a busy main thread to run the timer late.
 */
const TYPING_PAUSE_MS = 100;
/** Marks a history entry made by typing: further typing replaces it, so Back leaves the search. */
const TYPED = 'inkdexTypedSearch';

let typingTimer = null;

/**
 * Shows the search for what the box holds. While typing, the first change adds one
 * history entry (marked TYPED) and the next ones replace it, so Back leaves the search in
 * one step; Enter (`submit`) searches the trimmed words at once and ends the typing, so
 * the next typing starts a new entry.
 */
function searchFromBox({ submit = false } = {}) {
  clearTimeout(typingTimer);
  typingTimer = null;
  const value = $('search-input').value;
  const typing = history.state && history.state[TYPED] === true;
  // an emptied box leaves the view shown as it is, unless that view is this typed search
  if (!submit && !typing && !value.trim()) return undefined;
  const href = searchHref(submit ? value.trim() : value);
  const state = submit ? null : { [TYPED]: true };
  if (location.hash === href) {
    if (!submit) return undefined;
    if (typing) history.replaceState(state, '', href);
    return render(); // Enter on the search shown searches again
  }
  return navigate(href, { replace: typing, state });
}

export function wireSearch() {
  const input = $('search-input');
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    searchFromBox({ submit: true });
  });
  input.addEventListener('input', () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => searchFromBox(), TYPING_PAUSE_MS);
  });
  // a link, Back or an address taken meanwhile wins over a search still waiting for the pause
  window.addEventListener('hashchange', () => clearTimeout(typingTimer));
  // "/" puts the cursor in the search box from anywhere but a text field
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && input.value) {
      e.preventDefault();
      input.value = '';
    }
  });
}
