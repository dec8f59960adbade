// The inbox's list column: tabs (mine, queue, all for admins and supervisors, closed) with
// counts, filters by line and channel, and one row per conversation with the channel's icon,
// the client's name, a preview of the newest message, the unread count and how long the
// client has been waiting.

import { h, mount } from '../components/dom.js';
import { channelIcon, channelLabel } from '../components/channel.js';
import { store, unreadOf } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { followLink } from '../lib/router.js';
import { TABS, rowsOf, seesAll, isWaiting } from '../lib/inbox.js';
import { slaNode, tickSla } from '../components/sla.js';
import { userName, time } from '../lib/format.js';

/** How long ago, compactly: "<1 min", "12 min", "3 h", "2 d". */
export function waitedFor(iso) {
  const minutes = Math.floor((Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return t('inbox.wait_now');
  if (minutes < 60) return t('inbox.wait_minutes', { count: minutes });
  if (minutes < 60 * 24) return t('inbox.wait_hours', { count: Math.floor(minutes / 60) });
  return t('inbox.wait_days', { count: Math.floor(minutes / 1440) });
}

function previewText(row) {
  const last = row.last_message;
  if (!last) return t('inbox.no_messages');
  if (last.deleted_at) return t('message.deleted');
  const text = last.body || (last.attachments?.length ? t('inbox.attachment') : '');
  if (!last.author_id) return text;
  const who = last.author_id === store.state.session.user.id ? t('inbox.you') : userName(last.author_id);
  return t('inbox.preview_staff', { name: who, text });
}

/** Unread messages: the room's count once the user is in it, every message while queued. */
function unreadCount(row) {
  const room = store.state.rooms.get(row.room_id);
  if (room) return unreadOf(room);
  return row.status === 'queued' ? row.last_message?.seq || 0 : 0;
}

/** Since when the client has waited: queued since, or their unanswered newest message. */
function waitingSince(row) {
  if (row.status === 'queued') return row.queued_at;
  if (isWaiting(row, store.state.session.user.id)) return row.last_message.created_at;
  return null;
}

export function inboxList(ctx, scope) {
  const user = store.state.session.user;
  const tabs = TABS.filter((tab) => tab !== 'all' || seesAll(user));
  const tabBar = h('div', { class: 'inbox-tabs', role: 'tablist', 'aria-label': t('inbox.lists') });
  const lineFilter = h('select', { class: 'inbox-filter', 'aria-label': t('inbox.filter_line') });
  const channelFilter = h('select', { class: 'inbox-filter', 'aria-label': t('inbox.filter_channel') });
  const list = h('ul', { class: 'conversation-list', id: 'inbox-rows', role: 'tabpanel', 'aria-label': t('inbox.conversations') });
  lineFilter.addEventListener('change', () => ctx.inbox.setFilter({ line: lineFilter.value }));
  channelFilter.addEventListener('change', () => ctx.inbox.setFilter({ channel: channelFilter.value }));

  function renderTabs() {
    const current = store.state.inbox.tab;
    mount(
      tabBar,
      tabs.map((tab) => {
        const count = rowsOf(store.state, tab).length;
        return h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: ['inbox-tab', tab === current && 'active'],
            'aria-selected': tab === current ? 'true' : 'false',
            'aria-controls': 'inbox-rows',
            dataset: { tab },
            onclick: () => ctx.inbox.setTab(tab),
          },
          h('span', { text: t(`inbox.tab_${tab}`) }),
          tab !== 'closed' && count ? h('span', { class: 'tab-count', text: String(count) }) : null,
        );
      }),
    );
  }

  /** Options from the lines and channels the user's conversations came through. */
  function renderFilters() {
    const lines = new Map();
    const channels = new Map();
    for (const row of store.state.inbox.rows.values()) {
      lines.set(row.line_id, row.line_name);
      channels.set(row.channel_id, `${row.channel_name} (${channelLabel(row.channel_kind)})`);
    }
    const { line, channel } = store.state.inbox.filter;
    const options = (all, entries, selected) => [
      h('option', { value: '', text: all }),
      ...[...entries].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => h('option', { value: id, text: name, selected: id === selected })),
    ];
    mount(lineFilter, options(t('inbox.all_lines'), lines, line));
    mount(channelFilter, options(t('inbox.all_channels'), channels, channel));
    lineFilter.value = line;
    channelFilter.value = channel;
  }

  function rowItem(row) {
    const active = store.state.route.params.roomId === row.room_id;
    const unread = unreadCount(row);
    const since = waitingSince(row);
    const name = row.client_name || t('inbox.client');
    return h(
      'li',
      null,
      h(
        'a',
        {
          href: `/inbox/${row.room_id}`,
          class: ['conversation-row', active && 'active', unread > 0 && 'unread'],
          'aria-current': active ? 'page' : null,
          dataset: { roomId: row.room_id },
          onclick: followLink('inbox', { roomId: row.room_id }),
        },
        channelIcon(row.channel_kind),
        h(
          'span',
          { class: 'conversation-row-text' },
          h(
            'span',
            { class: 'conversation-row-top' },
            h('strong', { class: 'client-name', text: name }),
            row.last_message ? h('time', { class: 'muted', datetime: row.last_message.created_at, text: time(row.last_message.created_at) }) : null,
          ),
          h('span', { class: 'conversation-preview-text', text: previewText(row) }),
          h(
            'span',
            { class: 'conversation-row-bottom' },
            h('span', { class: 'muted line-name', text: row.line_name }),
            since ? h('span', { class: 'waiting', title: t('inbox.waiting_since'), text: t('inbox.waited', { wait: waitedFor(since) }) }) : null,
            slaNode(row),
            ...(row.labels || []).map((label) => h('span', { class: 'conversation-label', text: label })),
            unread > 0 ? h('span', { class: 'badge', 'aria-label': t('sidebar.unread', { count: unread }), text: unread > 99 ? '99+' : String(unread) }) : null,
          ),
        ),
      ),
    );
  }

  function renderRows() {
    const { inbox } = store.state;
    const rows = rowsOf(store.state, inbox.tab);
    if (!inbox.loaded) {
      mount(list, h('li', { class: 'section-empty', text: inbox.error ? t('error.load_failed') : t('room.loading') }));
    } else if (!rows.length) {
      mount(list, h('li', { class: 'section-empty', text: t(`inbox.empty_${inbox.tab}`) }));
    } else {
      mount(list, rows.map(rowItem));
    }
  }

  function render() {
    renderTabs();
    renderFilters();
    renderRows();
  }

  scope.on('inbox', render);
  scope.on('rooms', renderRows);
  scope.on('route', renderRows);
  // Waiting times move on by themselves.
  const ticker = setInterval(renderRows, 30_000);
  // SLA countdowns move every second, without redrawing the rows.
  const slaTicker = setInterval(() => tickSla(list), 1000);
  scope.cleanup(() => {
    clearInterval(ticker);
    clearInterval(slaTicker);
  });
  render();
  return {
    el: h('div', { class: 'inbox-list-body' }, tabBar, h('div', { class: 'inbox-filters' }, lineFilter, channelFilter), list),
  };
}
