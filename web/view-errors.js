// The files with problems (each leads to its entry when one is indexed).
import { $, h, replace } from './dom.js';
import { api } from './api.js';
import { isFirstBuild } from './indexer-state.js';
import { problemItem, renderChunked } from './lists.js';

const ERRORS_SHOWN = 100;

export async function loadErrors() {
  const box = $('errors');
  try {
    const data = await api('/api/errors');
    const list = data && Array.isArray(data.errors) ? data.errors : [];
    if (!list.length) {
      replace(box, isFirstBuild()
        ? h('p', { class: 'empty' }, 'The index is being built: files with problems will be listed here as they are read.')
        : h('p', { class: 'empty ok-text' }, 'No files with problems. Every file was read and indexed.'));
      box.dataset.count = '0';
      return;
    }
    const ul = h('ul', { class: 'problem-list card' });
    replace(box, ul);
    box.dataset.count = String(list.length);
    renderChunked(ul, list, problemItem, ERRORS_SHOWN, box, 'files');
  } catch (err) {
    replace(box, h('p', { class: 'inline-error' }, `Could not load the list of problems: ${err.message}`));
  }
}
