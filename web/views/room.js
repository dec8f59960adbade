// One room: its header, the history (older pages load while scrolling up), live messages,
// the typing line and the composer. Reading to the bottom while the tab is visible moves the
// read position.

import { h, icon, mount } from '../components/dom.js';
import { roomIcon } from '../components/avatar.js';
import { messageList } from '../components/message-list.js';
import { composer } from '../components/composer.js';
import { store, timelineOf, mainMessages } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { roomName, userName, errorText } from '../lib/format.js';

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
export function entriesFor(roomId, messages, pendingFilter) {
  const { session, reads, pins } = store.state;
  const timeline = timelineOf(store.state, roomId);
  const pinned = new Set((pins.get(roomId) || []).map((m) => m.id));
  const others = [...(reads.get(roomId)?.values() || [])];
  const entries = messages.map((message) => ({
    message,
    pinned: pinned.has(message.id),
    readBy: message.author_id === session.user.id && others.some((seq) => seq >= message.seq),
  }));
  for (const pending of timeline.pending.values()) {
    if (pendingFilter(pending)) entries.push({ message: pending, pending });
  }
  return entries;
}

export function roomView(ctx, scope, roomId) {
  const room = () => store.state.rooms.get(roomId);
  const title = h('h1', { id: 'room-title', class: 'room-title' });
  const subtitle = h('p', { class: 'room-subtitle' });
  const glyph = h('span', { class: 'room-header-icon' });
  const pinsButton = h(
    'button',
    { type: 'button', class: 'header-button', 'aria-label': t('pins.open'), title: t('pins.open'), onclick: () => ctx.actions.openPanel('pins') },
    icon('pin'),
    h('span', { class: 'count' }),
  );
  const callButton = h(
    'button',
    {
      type: 'button',
      class: 'header-button call-start',
      onclick: () => ctx.calls.callRoom(roomId).catch((error) => ctx.toast(errorText(error), { kind: 'error' })),
    },
    icon('phone'),
    h('span', { class: 'label' }),
  );
  const header = h(
    'header',
    { class: 'room-header' },
    glyph,
    h('div', { class: 'room-heading' }, title, subtitle),
    h('div', { class: 'room-tools' }, callButton, pinsButton),
  );
  const list = messageList(ctx, {
    label: t('room.history'),
    onNearTop: () => ctx.actions.loadOlder(roomId),
    onAtBottom: () => markRead(),
  });
  const typing = h('div', { class: 'typing-line', 'aria-live': 'polite' });
  const input = composer(ctx, {
    roomId,
    draftKey: roomId,
    label: t('composer.label'),
    placeholder: t('composer.placeholder', { room: roomName(room()) }),
    readOnly: store.state.session.user.role === 'viewer' || Boolean(room()?.archived_at),
  });
  const el = h('section', { class: 'room', 'aria-labelledby': 'room-title' }, header, list.el, typing, input.el);

  function markRead() {
    if (document.visibilityState === 'visible' && list.isAtBottom()) ctx.actions.readAll(roomId);
  }

  function renderHeader() {
    const current = room();
    if (!current) return;
    title.textContent = roomName(current);
    mount(glyph, roomIcon(current, 'md'));
    const members = store.state.members.get(roomId);
    let text = current.topic || '';
    if (current.kind === 'dm' && current.dmUserId) {
      text = t(`presence.${store.state.presence.get(current.dmUserId) || 'offline'}`);
    } else if (!text && members) {
      text = t('room.members', { count: members.length });
    }
    subtitle.textContent = text;
    const live = store.state.callsByRoom.get(roomId);
    const inThisCall = store.state.call?.room_id === roomId;
    const callLabel = live?.participants?.length ? t('call.join') : t('call.start');
    callButton.setAttribute('aria-label', callLabel);
    callButton.title = callLabel;
    callButton.querySelector('.label').textContent = live?.participants?.length ? t('call.join') : '';
    callButton.hidden = inThisCall || store.state.session.user.role === 'viewer';
    const count = (store.state.pins.get(roomId) || []).length;
    pinsButton.querySelector('.count').textContent = count ? String(count) : '';
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
        ? h('div', { class: 'room-beginning' }, h('strong', { text: roomName(room()) }), h('p', { text: t('room.beginning') }))
        : h('div', { class: 'empty-state' }, icon('chat'), h('h2', { text: t('room.empty_title') }), h('p', { text: t('room.empty_body') }));
    }
    list.update(entriesFor(roomId, messages, (p) => !p.thread_root_id), top, {
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

  scope.on(`room:${roomId}`, () => {
    renderHeader();
    renderMessages();
  });
  scope.on('rooms', renderHeader);
  scope.on('call', renderHeader);
  scope.on('presence', renderHeader);
  scope.on('pins', () => {
    renderHeader();
    renderMessages();
  });
  scope.on('typing', renderTyping);
  const onVisible = () => markRead();
  document.addEventListener('visibilitychange', onVisible);
  scope.cleanup(() => document.removeEventListener('visibilitychange', onVisible));

  renderHeader();
  renderMessages();
  renderTyping();
  ctx.actions.openRoom(roomId);
  return {
    el,
    focus: () => input.focus(),
    reveal: (messageId) => list.reveal(messageId),
    list,
  };
}
