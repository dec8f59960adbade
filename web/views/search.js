// Search results in a side panel: matching runs highlighted, newest first; a click opens the
// room at the message.

import { h, icon } from '../components/dom.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { userName, roomName, day, time, errorText } from '../lib/format.js';
import { panelHeader } from './thread.js';

export function searchPanel(ctx, scope, { onShow }) {
  const status = h('p', { class: 'panel-status', role: 'status' });
  const list = h('ul', { class: 'panel-list', 'aria-labelledby': 'search-title' });
  const el = h('section', { class: 'panel search-panel', 'aria-labelledby': 'search-title' }, panelHeader(ctx, t('search.title'), 'search-title'), status, list);

  function render() {
    const search = store.state.search;
    if (search.loading) status.textContent = t('search.searching');
    else if (search.error) status.textContent = errorText(search.error);
    else if (!search.query) status.textContent = t('search.prompt');
    else status.textContent = t('search.count', { count: search.hits.length, query: search.query });
    if (search.done && !search.hits.length && search.query) {
      list.replaceChildren(h('li', { class: 'empty-state small' }, icon('search'), h('p', { text: t('search.nothing') })));
      return;
    }
    list.replaceChildren(
      ...search.hits.map((hit) =>
        h(
          'li',
          null,
          h(
            'button',
            { type: 'button', class: 'panel-item', onclick: () => onShow(hit.message) },
            h(
              'span',
              { class: 'panel-item-meta' },
              h('strong', { text: roomName(store.state.rooms.get(hit.room_id)) || t('room.untitled') }),
              ` · ${userName(hit.message.author_id)} · ${day(hit.message.created_at)} ${time(hit.message.created_at)}`,
            ),
            h('span', { class: 'panel-item-text' }, hit.snippet.map((part) => (part.hit ? h('mark', { text: part.text }) : part.text))),
          ),
        ),
      ),
    );
  }
  scope.on('search', render);
  render();
  return { el };
}
