// The operator inbox: the sidebar, the list of client conversations, the open conversation
// and the contact panel beside it. Alt+↑/↓ moves between conversations of the current list.

import { h, icon, inField, mount } from '../components/dom.js';
import { sidebar } from '../components/sidebar.js';
import { connectionBanner } from '../components/banner.js';
import { openQuickSwitcher } from '../components/quick-switcher.js';
import { openHelp } from '../components/help.js';
import { openNewRoom } from '../components/new-room.js';
import { openNewDm } from '../components/new-dm.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { navigate } from '../lib/router.js';
import { rowsOf } from '../lib/inbox.js';
import { canAskPermission, askPermission } from '../lib/notify.js';
import { inboxList } from './inbox-list.js';
import { conversationView } from './conversation.js';
import { contactPanel } from './contact-panel.js';

export function inboxView(ctx, scope, route) {
  const side = sidebar(ctx, scope, {
    onNew: (kind) => (kind === 'dm' ? openNewDm(ctx) : openNewRoom(ctx, kind)),
    onSearch: (query) => {
      navigate('chat');
      ctx.actions.search(query);
    },
    onSwitcher: () => openQuickSwitcher(),
    onHelp: () => openHelp(),
  });
  const notifyButton = h('button', {
    type: 'button',
    class: 'header-button notify-button',
    hidden: !canAskPermission(),
    title: t('inbox.enable_notifications'),
    'aria-label': t('inbox.enable_notifications'),
    onclick: async () => {
      notifyButton.hidden = true;
      await askPermission();
    },
  }, icon('bell'));
  const listPane = h(
    'section',
    { class: 'inbox-list-pane', 'aria-labelledby': 'inbox-title' },
    h('header', { class: 'inbox-header' }, h('h1', { id: 'inbox-title', class: 'room-title', text: t('inbox.title') }), notifyButton),
    inboxList(ctx, scope).el,
  );
  const pane = h('main', { class: 'conversation-pane', id: 'main' });
  const aside = h('div', { class: 'contact-column' });
  const el = h(
    'div',
    { class: 'chat-layout inbox-layout' },
    h('a', { href: '#main', class: 'skip-link', text: t('a11y.skip') }),
    side.el,
    h('div', { class: 'main-column' }, connectionBanner(ctx, scope), h('div', { class: 'inbox' }, listPane, pane, aside)),
  );

  let roomId;
  let open = null; // { view, scope }

  function show(nextId) {
    const key = nextId || null;
    if (key === roomId && (open || !key)) return;
    open?.scope.dispose();
    open = null;
    roomId = key;
    if (!key) {
      mount(pane, h('div', { class: 'empty-state welcome' }, icon('inbox'), h('h2', { text: t('inbox.pick_title') }), h('p', { text: t('inbox.pick_body') })));
      mount(aside);
      return;
    }
    const openScope = store.scope();
    const view = conversationView(ctx, openScope, key);
    const panel = contactPanel(ctx, openScope, key);
    open = { view, scope: openScope };
    mount(pane, view.el);
    mount(aside, panel.el);
    view.focus();
  }

  function move(step) {
    const rows = rowsOf(store.state, store.state.inbox.tab);
    if (!rows.length) return;
    const index = rows.findIndex((row) => row.room_id === roomId);
    const next = rows[(index + step + rows.length) % rows.length];
    navigate('inbox', { roomId: next.room_id });
  }

  function onKey(event) {
    if (event.defaultPrevented || document.querySelector('dialog[open]')) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
      event.preventDefault();
      openQuickSwitcher();
    } else if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      move(event.key === 'ArrowUp' ? -1 : 1);
    } else if (event.key === '?' && !inField(event) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      openHelp();
    }
  }
  document.addEventListener('keydown', onKey);
  scope.cleanup(() => {
    document.removeEventListener('keydown', onKey);
    open?.scope.dispose();
  });

  show(route.params.roomId);
  return {
    el,
    update(next) {
      show(next.params.roomId);
    },
  };
}
