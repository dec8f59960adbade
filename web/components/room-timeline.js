// A room's history and composer, shared by the chat's room view and the inbox's conversation
// pane: the message list (older pages load while scrolling up), live messages, the typing
// line and the composer. Reading to the bottom while the tab is visible moves the read
// position. The caller adds its own header around it.

import { h, icon } from './dom.js';
import { messageList } from './message-list.js';
import { composer } from './composer.js';
import { store, timelineOf, mainMessages } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { userName, errorText } from '../lib/format.js';

export function typingText(roomId) {
  const typers = [...(store.state.typing.get(roomId)?.entries() || [])]
    .filter(([, until]) => until > Date.now())
    .map(([userId]) => userName(userId));
  if (!typers.length) return '';
  if (typers.length === 1) return t('typing.one', { name: typers[0] });
  if (typers.length === 2) return t('typing.two', { a: typers[0], b: typers[1] });
  return t('typing.many', { count: typers.length });
}

/** The entries for a message list: confirmed messages, then what is still being sent. */
export function entriesFor(roomId, messages, pendingFilter, extra = {}) {
  const { session, reads, pins } = store.state;
  const timeline = timelineOf(store.state, roomId);
  const pinned = new Set((pins.get(roomId) || []).map((m) => m.id));
  const others = [...(reads.get(roomId)?.values() || [])];
  const entries = messages.map((message) => ({
    ...extra,
    message,
    pinned: pinned.has(message.id),
    readBy: message.author_id === session.user.id && others.some((seq) => seq >= message.seq),
  }));
  for (const pending of timeline.pending.values()) {
    if (pendingFilter(pending)) entries.push({ ...extra, message: pending, pending });
  }
  return entries;
}

/**
 * @param options.title       what the beginning-of-history notice names (a function)
 * @param options.composer    the composer's label, placeholder and whether it is read-only
 * @param options.entry       extra options for every message (see messageView)
 * @param options.emptyTitle  the heading shown for a room without messages
 */
export function roomTimeline(ctx, scope, roomId, options) {
  const list = messageList(ctx, {
    label: t('room.history'),
    onNearTop: () => ctx.actions.loadOlder(roomId),
    onAtBottom: () => markRead(),
  });
  const typing = h('div', { class: 'typing-line', 'aria-live': 'polite' });
  const input = composer(ctx, { roomId, draftKey: roomId, scope, ...options.composer });

  function markRead() {
    if (document.visibilityState === 'visible' && list.isAtBottom()) ctx.actions.readAll(roomId);
  }

  function renderMessages() {
    const timeline = timelineOf(store.state, roomId);
    const messages = mainMessages(timeline);
    let top = null;
    if (timeline.error && !timeline.loaded) {
      top = h('div', { class: 'list-notice', role: 'alert' }, errorText(timeline.error), ' ', h('button', { type: 'button', class: 'link-button', text: t('action.retry'), onclick: () => ctx.actions.openRoom(roomId) }));
    } else if (timeline.loading || !timeline.loaded) {
      top = h('div', { class: 'list-notice', text: t('room.loading') });
    } else if (!timeline.hasMore) {
      top = messages.length
        ? h('div', { class: 'room-beginning' }, h('strong', { text: options.title() }), h('p', { text: t('room.beginning') }))
        : h('div', { class: 'empty-state' }, icon('chat'), h('h2', { text: t('room.empty_title') }), h('p', { text: t('room.empty_body') }));
    }
    list.update(entriesFor(roomId, messages, (p) => !p.thread_root_id, options.entry), top, {
      forceBottom: [...timeline.pending.values()].some((p) => !p.thread_root_id && !p.shown),
    });
    for (const pending of timeline.pending.values()) pending.shown = true;
    markRead();
    // A first page too short to scroll could never reach the top: load more at once.
    if (timeline.loaded && timeline.hasMore && !timeline.loading && list.el.scrollHeight <= list.el.clientHeight) {
      queueMicrotask(() => ctx.actions.loadOlder(roomId));
    }
  }

  function renderTyping() {
    const text = typingText(roomId);
    if (typing.textContent !== text) typing.textContent = text;
    typing.classList.toggle('active', Boolean(text));
  }

  scope.on(`room:${roomId}`, renderMessages);
  scope.on('pins', renderMessages);
  scope.on('typing', renderTyping);
  const onVisible = () => markRead();
  document.addEventListener('visibilitychange', onVisible);
  scope.cleanup(() => document.removeEventListener('visibilitychange', onVisible));

  renderMessages();
  renderTyping();
  ctx.actions.openRoom(roomId);
  return {
    nodes: [list.el, typing, input.el],
    list,
    input,
    focus: () => input.focus(),
  };
}
