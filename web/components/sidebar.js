// The sidebar: search, the quick switcher button, the inbox entry with the number of client
// conversations waiting, channels, groups and DMs with unread badges and presence dots, and
// the signed-in user's corner (language, help, sign out).

import { h, icon, mount } from './dom.js';
import { avatar, roomIcon } from './avatar.js';
import { langSwitch } from './lang-switch.js';
import { store, unreadOf } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { roomName } from '../lib/format.js';
import { followLink } from '../lib/router.js';
import { waitingCount } from '../lib/inbox.js';
import { adminNavEntry } from '../lib/admin.js';

const SECTIONS = [
  { kind: 'channel', title: 'sidebar.channels', add: 'sidebar.new_channel', empty: 'sidebar.no_channels' },
  { kind: 'group', title: 'sidebar.groups', add: 'sidebar.new_group', empty: 'sidebar.no_groups' },
  { kind: 'dm', title: 'sidebar.dms', add: 'sidebar.new_dm', empty: 'sidebar.no_dms' },
];

/** Rooms in sidebar order: channels and groups by name, DMs and lines by latest activity. */
export function sortedRooms(kind) {
  const rooms = [...store.state.rooms.values()].filter((r) => r.kind === kind && !r.archived_at);
  if (kind === 'channel' || kind === 'group') {
    return rooms.sort((a, b) => roomName(a).localeCompare(roomName(b), store.state.lang));
  }
  return rooms.sort((a, b) => String(b.activity).localeCompare(String(a.activity)));
}

export function sidebar(ctx, scope, { onNew, onSearch, onSwitcher, onHelp }) {
  const sections = h('div', { class: 'room-sections' });
  const searchField = h('input', {
    type: 'search',
    id: 'search-messages',
    class: 'search-field',
    placeholder: t('search.placeholder'),
    'aria-label': t('search.placeholder'),
    autocomplete: 'off',
  });
  const user = store.state.session.user;
  const inboxEntry = h('div', { class: 'sidebar-nav' });
  const adminEntry = h('div', { class: 'sidebar-nav' });
  const renderAdmin = () => mount(adminEntry, adminNavEntry());

  function renderInbox() {
    const waiting = waitingCount(store.state);
    const active = store.state.route.name === 'inbox';
    mount(
      inboxEntry,
      h(
        'a',
        {
          href: '/inbox',
          class: ['room-link', 'inbox-link', active && 'active', waiting > 0 && 'unread'],
          'aria-current': active ? 'page' : null,
          onclick: followLink('inbox'),
        },
        h('span', { class: 'room-glyph' }, icon('inbox')),
        h('span', { class: 'room-link-name', text: t('inbox.title') }),
        waiting > 0
          ? h('span', { class: 'badge', 'aria-label': t('inbox.waiting', { count: waiting }), text: waiting > 99 ? '99+' : String(waiting) })
          : null,
      ),
      crmLink(),
    );
  }

  /** The CRM pages (deals, contacts, companies, leads, tasks): web/views/crm/. */
  function crmLink() {
    const active = store.state.route.name.startsWith('crm-');
    return h(
      'a',
      { href: '/crm/deals', class: ['room-link', 'crm-link', active && 'active'], 'aria-current': active ? 'page' : null, onclick: followLink('crm-deals') },
      h('span', { class: 'room-glyph' }, icon('deals')),
      h('span', { class: 'room-link-name', text: t('crm.nav') }),
    );
  }

  function roomLink(room) {
    const active = store.state.route.params.roomId === room.id;
    const unread = unreadOf(room);
    const name = roomName(room);
    return h(
      'li',
      null,
      h(
        'a',
        {
          href: `/chat/${room.id}`,
          class: ['room-link', active && 'active', unread > 0 && 'unread'],
          'aria-current': active ? 'page' : null,
          dataset: { roomId: room.id },
          onclick: followLink('chat', { roomId: room.id }),
        },
        roomIcon(room),
        h('span', { class: 'room-link-name', text: name }),
        unread > 0
          ? h('span', { class: 'badge', 'aria-label': t('sidebar.unread', { count: unread }), text: unread > 99 ? '99+' : String(unread) })
          : null,
      ),
    );
  }

  function render() {
    mount(
      sections,
      SECTIONS.map((section) => {
        const rooms = sortedRooms(section.kind);
        if (!section.empty && !rooms.length) return null;
        const headingId = `section-${section.kind}`;
        return h(
          'section',
          { class: 'room-section', 'aria-labelledby': headingId },
          h(
            'div',
            { class: 'section-header' },
            h('h2', { id: headingId, text: t(section.title) }),
            section.add
              ? h('button', { type: 'button', class: 'icon-button small', 'aria-label': t(section.add), title: t(section.add), onclick: () => onNew(section.kind) }, icon('plus'))
              : null,
          ),
          rooms.length
            ? h('ul', { class: 'room-list' }, rooms.map(roomLink))
            : h('p', { class: 'section-empty', text: t(section.empty) }),
        );
      }),
    );
  }

  const el = h(
    'nav',
    { class: 'sidebar', 'aria-label': t('sidebar.label') },
    h(
      'div',
      { class: 'sidebar-top' },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { text: t('app.title') })),
      h(
        'form',
        {
          role: 'search',
          class: 'search-form',
          onsubmit: (event) => {
            event.preventDefault();
            onSearch(searchField.value);
          },
        },
        icon('search'),
        searchField,
      ),
      h('button', { type: 'button', class: 'switcher-button', onclick: onSwitcher }, h('span', { text: t('switcher.open') }), h('kbd', { text: 'Ctrl K' })),
    ),
    inboxEntry,
    adminEntry,
    sections,
    h(
      'footer',
      { class: 'sidebar-footer' },
      h(
        'div',
        { class: 'me' },
        avatar(user.id, user.display_name, { presence: true }),
        h('div', { class: 'me-text' }, h('strong', { text: user.display_name }), h('span', { class: 'muted', text: t(`role.${user.role}`) })),
      ),
      h(
        'div',
        { class: 'footer-tools' },
        langSwitch(),
        h('button', { type: 'button', class: 'icon-button', 'aria-label': t('help.open'), title: t('help.open'), onclick: onHelp }, icon('help')),
        h('button', { type: 'button', class: 'icon-button', 'aria-label': t('action.sign_out'), title: t('action.sign_out'), onclick: () => ctx.signOut() }, icon('logout')),
      ),
    ),
  );

  scope.on('rooms', render);
  scope.on('presence', () => {
    render();
    const dot = el.querySelector('.me .presence');
    if (dot) dot.replaceWith(avatar(user.id, user.display_name, { presence: true }).lastChild);
  });
  scope.on('users', render);
  scope.on('route', render);
  scope.on('route', renderInbox);
  scope.on('inbox', renderInbox);
  scope.on('route', renderAdmin);
  render();
  renderInbox();
  renderAdmin();
  return { el, focusSearch: () => searchField.focus(), searchField };
}
