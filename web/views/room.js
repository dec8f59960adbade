// One room of the internal chat: its header (name, topic or presence, pins) above the shared
// history and composer (components/room-timeline.js).

import { h, icon, mount } from '../components/dom.js';
import { roomIcon } from '../components/avatar.js';
import { roomTimeline } from '../components/room-timeline.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { roomName } from '../lib/format.js';

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
  const timeline = roomTimeline(ctx, scope, roomId, {
    title: () => roomName(room()),
    composer: {
      label: t('composer.label'),
      placeholder: t('composer.placeholder', { room: roomName(room()) }),
      readOnly: store.state.session.user.role === 'viewer' || Boolean(room()?.archived_at),
    },
  });
  const el = h('section', { class: 'room', 'aria-labelledby': 'room-title' }, header, timeline.nodes);

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

  scope.on(`room:${roomId}`, renderHeader);
  scope.on('rooms', renderHeader);
  scope.on('call', renderHeader);
  scope.on('presence', renderHeader);
  scope.on('pins', renderHeader);
  renderHeader();
  return {
    el,
    focus: () => timeline.focus(),
    reveal: (messageId) => timeline.list.reveal(messageId),
    list: timeline.list,
  };
}
