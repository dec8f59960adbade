// The pinned messages of the open room, in a side panel; a click shows the message.

import { h, icon } from '../components/dom.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { userName, time, day } from '../lib/format.js';
import { bodyNodes } from '../components/message.js';
import { panelHeader } from './thread.js';

export function pinsPanel(ctx, scope, roomId, { onShow }) {
  const list = h('ul', { class: 'panel-list', 'aria-labelledby': 'pins-title' });
  const el = h('section', { class: 'panel pins-panel', 'aria-labelledby': 'pins-title' }, panelHeader(ctx, t('pins.title'), 'pins-title'), list);

  function render() {
    const pins = store.state.pins.get(roomId);
    if (!pins) {
      list.replaceChildren(h('li', { class: 'list-notice', text: t('room.loading') }));
      return;
    }
    if (!pins.length) {
      list.replaceChildren(h('li', { class: 'empty-state small' }, icon('pin'), h('p', { text: t('pins.empty') })));
      return;
    }
    list.replaceChildren(
      ...pins.map((message) =>
        h(
          'li',
          null,
          h(
            'button',
            { type: 'button', class: 'panel-item', onclick: () => onShow(message) },
            h('span', { class: 'panel-item-meta' }, h('strong', { text: userName(message.author_id) }), ` · ${day(message.created_at)} ${time(message.created_at)}`),
            h('span', { class: 'panel-item-text' }, message.deleted_at ? t('message.deleted') : bodyNodes(message.body)),
          ),
          h('button', {
            type: 'button',
            class: 'link-button small',
            text: t('message.unpin'),
            onclick: () => ctx.actions.togglePin(message),
          }),
        ),
      ),
    );
  }
  scope.on('pins', render);
  ctx.actions.loadPins(roomId).catch(() => {});
  render();
  return { el };
}
