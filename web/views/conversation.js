// One client conversation in the inbox: a header with the channel, the line, where the
// conversation stands and its actions; below it the shared history and composer once the
// user is in the conversation's room, or the client's newest message while it is queued
// (the room opens to an operator when they take it).

import { h, icon, mount } from '../components/dom.js';
import { channelIcon, channelLabel } from '../components/channel.js';
import { conversationActions } from '../components/conversation-actions.js';
import { roomTimeline } from '../components/room-timeline.js';
import { messageView } from '../components/message.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { waitedFor } from './inbox-list.js';
import { slaNode, tickSla } from '../components/sla.js';
import { isSnoozed } from '../lib/inbox.js';
import { fullDate } from '../lib/format.js';

export function clientName(row) {
  return row?.client_name || t('inbox.client');
}

export function conversationView(ctx, scope, roomId) {
  const user = store.state.session.user;
  const row = () => store.state.inbox.rows.get(roomId);
  const glyph = h('span', { class: 'room-header-icon' });
  const title = h('h1', { id: 'conversation-title', class: 'room-title' });
  const subtitle = h('p', { class: 'room-subtitle' });
  const marks = h('div', { class: 'conversation-labels' });
  const tools = h('div', { class: 'room-tools' });
  const header = h('header', { class: 'room-header conversation-header' }, glyph, h('div', { class: 'room-heading' }, title, subtitle, marks), tools);
  const body = h('div', { class: 'conversation-body' });
  const el = h('section', { class: 'room conversation', 'aria-labelledby': 'conversation-title' }, header, body);
  let shownKey = null;
  let bodyScope = null;
  let timeline = null;

  function statusText(current) {
    if (current.status === 'queued') return t('conversation.status_queued', { wait: waitedFor(current.queued_at) });
    if (current.status === 'closed') return t('conversation.status_closed');
    if (isSnoozed(current)) return t('conversation.status_snoozed', { until: fullDate(current.snoozed_until) });
    if (current.assignee_id === user.id) return t('conversation.status_mine');
    return t('conversation.status_assigned');
  }

  function renderHeader() {
    const current = row();
    if (!current) return;
    mount(glyph, channelIcon(current.channel_kind, 'md'));
    title.textContent = clientName(current);
    subtitle.textContent = [channelLabel(current.channel_kind), current.line_name, statusText(current)].filter(Boolean).join(' · ');
    mount(marks, [slaNode(current), ...(current.labels || []).map((label) => h('span', { class: 'conversation-label', text: label }))].filter(Boolean));
    mount(tools, conversationActions(ctx, current, user));
  }

  function preview(current) {
    const last = current.last_message;
    return h(
      'div',
      { class: 'conversation-preview' },
      last ? h('div', { class: 'message-list preview-list' }, messageView(ctx, last, { tools: false })) : null,
      h('div', { class: 'empty-state' }, icon('inbox'), h('h2', { text: t('conversation.queued_title') }), h('p', { text: t('conversation.queued_body') })),
    );
  }

  function renderBody() {
    const current = row();
    const member = store.state.rooms.has(roomId);
    const mode = !current ? (store.state.inbox.loaded ? 'missing' : 'loading') : member ? 'timeline' : 'preview';
    // The composer opens and closes with the conversation's state, so that is part of the key.
    const key = [mode, current?.status, current?.assignee_id, mode === 'preview' && current?.last_message?.id].join('|');
    if (key === shownKey) return;
    shownKey = key;
    bodyScope?.dispose();
    bodyScope = null;
    timeline = null;
    if (mode === 'loading') {
      mount(body, h('div', { class: 'empty-state' }, h('p', { text: t('room.loading') })));
    } else if (mode === 'missing') {
      mount(body, h('div', { class: 'empty-state' }, icon('inbox'), h('h2', { text: t('conversation.not_found') })));
    } else if (mode === 'preview') {
      mount(body, preview(current));
    } else {
      bodyScope = store.scope();
      const writable = current.status === 'assigned' && current.assignee_id === user.id && user.role !== 'viewer';
      timeline = roomTimeline(ctx, bodyScope, roomId, {
        title: () => clientName(row()),
        entry: { tools: false, quote: true },
        composer: {
          // Files reach Telegram clients; other channels take text only so far.
          files: current.channel_kind === 'telegram',
          canned: true,
          label: t('conversation.reply_label'),
          placeholder: writable
            ? t('conversation.reply_placeholder', { name: clientName(current) })
            : t(current.status === 'closed' ? 'conversation.closed_read_only' : 'conversation.read_only'),
          readOnly: !writable,
        },
      });
      mount(body, timeline.nodes);
    }
  }

  function render() {
    renderHeader();
    renderBody();
  }

  scope.on('inbox', render);
  scope.on('rooms', render);
  scope.cleanup(() => bodyScope?.dispose());
  const slaTicker = setInterval(() => tickSla(marks), 1000);
  scope.cleanup(() => clearInterval(slaTicker));
  render();
  return {
    el,
    focus: () => (timeline ? timeline.focus() : el.querySelector('.conversation-actions button')?.focus()),
  };
}
