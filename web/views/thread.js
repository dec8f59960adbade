// The thread side panel: the root message, its replies (live), and a composer that replies.

import { h, icon } from '../components/dom.js';
import { messageList } from '../components/message-list.js';
import { messageView } from '../components/message.js';
import { composer } from '../components/composer.js';
import { store, timelineOf } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { errorText } from '../lib/format.js';
import { entriesFor } from '../components/room-timeline.js';

export function panelHeader(ctx, titleText, id) {
  return h(
    'header',
    { class: 'panel-header' },
    h('h2', { id, text: titleText }),
    h('button', { type: 'button', class: 'icon-button', 'aria-label': t('action.close_panel'), title: t('action.close_panel'), onclick: () => ctx.actions.closePanel() }, icon('close')),
  );
}

export function threadPanel(ctx, scope) {
  const { roomId, rootId } = store.state.thread;
  const rootBox = h('div', { class: 'thread-root' });
  const list = messageList(ctx, { label: t('thread.replies_label'), className: 'thread-list' });
  const input = composer(ctx, {
    roomId,
    threadRootId: rootId,
    draftKey: `thread:${rootId}`,
    label: t('thread.reply_label'),
    placeholder: t('thread.reply_placeholder'),
    readOnly: store.state.session.user.role === 'viewer',
  });
  const el = h(
    'section',
    { class: 'panel thread-panel', 'aria-labelledby': 'thread-title' },
    panelHeader(ctx, t('thread.title'), 'thread-title'),
    rootBox,
    list.el,
    input.el,
  );
  let shownRoot = null;

  function render() {
    const thread = store.state.thread;
    if (!thread || thread.rootId !== rootId) return;
    const timeline = timelineOf(store.state, roomId);
    const root = timeline.messages.get(rootId);
    if (root && root !== shownRoot) {
      shownRoot = root;
      rootBox.replaceChildren(messageView(ctx, root, { inThread: true }));
    }
    const replies = [...timeline.messages.values()]
      .filter((m) => m.thread_root_id === rootId)
      .sort((a, b) => a.seq - b.seq);
    let top = null;
    if (thread.loading) top = h('div', { class: 'list-notice', text: t('room.loading') });
    else if (thread.error) top = h('div', { class: 'list-notice', role: 'alert', text: errorText(thread.error) });
    else if (!replies.length) top = h('div', { class: 'list-notice', text: t('thread.empty') });
    else top = h('div', { class: 'thread-count', text: t('thread.replies', { count: replies.length }) });
    list.update(entriesFor(roomId, replies, (p) => p.thread_root_id === rootId), top);
  }
  scope.on('thread', render);
  scope.on(`room:${roomId}`, render);
  render();
  return { el, focus: () => input.focus() };
}
