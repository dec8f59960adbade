// The internal chat: sidebar, the open room, and a side panel (thread, pins or search). Owns
// the global keyboard shortcuts.

import { h, icon, inField, mount } from '../components/dom.js';
import { sidebar, sortedRooms } from '../components/sidebar.js';
import { connectionBanner } from '../components/banner.js';
import { openQuickSwitcher } from '../components/quick-switcher.js';
import { openHelp } from '../components/help.js';
import { openNewRoom } from '../components/new-room.js';
import { openNewDm } from '../components/new-dm.js';
import { callView, ringingView } from '../components/call-view.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { navigate } from '../lib/router.js';
import { roomView } from './room.js';
import { threadPanel } from './thread.js';
import { pinsPanel } from './pins.js';
import { searchPanel } from './search.js';

export function chatView(ctx, scope, route) {
  const main = h('main', { class: 'room-area', id: 'main' });
  const panel = h('aside', { class: 'side-panel', hidden: true, 'aria-label': t('panel.label') });
  const onNew = (kind) => (kind === 'dm' ? openNewDm(ctx) : openNewRoom(ctx, kind));
  const side = sidebar(ctx, scope, {
    onNew,
    onSearch: (query) => ctx.actions.search(query),
    onSwitcher: () => openQuickSwitcher(),
    onHelp: () => openHelp(),
  });
  const el = h(
    'div',
    { class: 'chat-layout' },
    h('a', { href: '#main', class: 'skip-link', text: t('a11y.skip') }),
    side.el,
    h('div', { class: 'main-column' }, connectionBanner(ctx, scope), callView(ctx, scope), main),
    panel,
    ringingView(ctx, scope),
  );

  let roomId = null;
  let room = null; // { view, scope }
  let shownPanel = null; // { key, scope }

  function showRoom(nextId) {
    const known = nextId && store.state.rooms.has(nextId);
    const key = known ? nextId : null;
    if (room && roomId === key && key) return;
    room?.scope.dispose();
    room = null;
    roomId = key;
    if (store.state.thread && store.state.thread.roomId !== key) ctx.actions.closePanel();
    if (store.state.panel === 'pins') renderPanel(true);
    if (!key) {
      mount(main, emptyState(nextId));
      return;
    }
    const roomScope = store.scope();
    const view = roomView(ctx, roomScope, key);
    room = { view, scope: roomScope };
    mount(main, view.el);
    view.focus();
  }

  function emptyState(wantedId) {
    if (wantedId && store.state.connection !== 'online' && !store.state.rooms.size) {
      return h('div', { class: 'empty-state' }, h('p', { text: t('room.loading') }));
    }
    return h(
      'div',
      { class: 'empty-state welcome' },
      icon('chat'),
      h('h2', { text: wantedId ? t('room.not_found') : t('chat.welcome_title') }),
      h('p', { text: t('chat.welcome_body') }),
      h(
        'div',
        { class: 'empty-actions' },
        h('button', { type: 'button', class: 'button primary', text: t('sidebar.new_dm'), onclick: () => openNewDm(ctx) }),
        h('button', { type: 'button', class: 'button', text: t('sidebar.new_group'), onclick: () => openNewRoom(ctx, 'group') }),
        h('button', { type: 'button', class: 'button', text: t('sidebar.new_channel'), onclick: () => openNewRoom(ctx, 'channel') }),
      ),
    );
  }

  function showMessage(message) {
    navigate('chat', { roomId: message.room_id });
    const target = message.thread_root_id || message.id;
    ctx.actions.reveal(message.room_id, message.seq).then(() => {
      requestAnimationFrame(() => room?.view.reveal(target));
    });
  }

  function renderPanel(force = false) {
    const { panel: kind, thread } = store.state;
    const key = kind === 'thread' ? `thread:${thread?.rootId}` : kind === 'pins' ? `pins:${roomId}` : kind;
    if (!force && shownPanel?.key === key) return;
    shownPanel?.scope.dispose();
    shownPanel = null;
    if (!kind || (kind === 'pins' && !roomId) || (kind === 'thread' && !thread)) {
      panel.hidden = true;
      panel.replaceChildren();
      el.classList.remove('with-panel');
      return;
    }
    const panelScope = store.scope();
    let view;
    if (kind === 'thread') view = threadPanel(ctx, panelScope);
    else if (kind === 'pins') view = pinsPanel(ctx, panelScope, roomId, { onShow: showMessage });
    else view = searchPanel(ctx, panelScope, { onShow: showMessage });
    shownPanel = { key, scope: panelScope };
    mount(panel, view.el);
    panel.hidden = false;
    el.classList.add('with-panel');
    if (view.focus) view.focus();
    else panel.querySelector('button')?.focus();
  }

  function moveRoom(step) {
    const order = ['channel', 'group', 'dm'].flatMap((kind) => sortedRooms(kind));
    if (!order.length) return;
    const index = order.findIndex((r) => r.id === roomId);
    const next = order[(index + step + order.length) % order.length];
    navigate('chat', { roomId: next.id });
  }

  function onKey(event) {
    if (event.defaultPrevented) return;
    const modalOpen = Boolean(document.querySelector('dialog[open]'));
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
      event.preventDefault();
      if (!modalOpen) openQuickSwitcher();
      return;
    }
    if (modalOpen) return;
    if (event.key === 'Escape') {
      if (document.querySelector('.reaction-picker')) return;
      if (store.state.panel) {
        event.preventDefault();
        ctx.actions.closePanel();
        room?.view.focus();
      }
      return;
    }
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      moveRoom(event.key === 'ArrowUp' ? -1 : 1);
      return;
    }
    if (inField(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === '?') {
      event.preventDefault();
      openHelp();
    } else if (event.key === '/') {
      event.preventDefault();
      side.focusSearch();
    }
  }

  document.addEventListener('keydown', onKey);
  scope.cleanup(() => {
    document.removeEventListener('keydown', onKey);
    room?.scope.dispose();
    shownPanel?.scope.dispose();
  });
  scope.on('panel', () => renderPanel());
  scope.on('thread', () => renderPanel());
  scope.on('rooms', () => {
    const wanted = store.state.route.params.roomId || null;
    if (wanted !== roomId) showRoom(wanted);
  });
  scope.on('connection', () => {
    if (!roomId) showRoom(store.state.route.params.roomId);
  });

  showRoom(route.params.roomId);
  renderPanel(true);
  return {
    el,
    update(next) {
      showRoom(next.params.roomId);
    },
  };
}
