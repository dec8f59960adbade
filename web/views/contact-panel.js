// The panel beside a client conversation: the CRM contact who holds the client's channel
// identity (name, position, phones, e-mails, identities on every channel) with their timeline,
// newest first and paged; or, for a client not in the CRM yet, what the channel tells about
// them.

import { h, icon, mount } from '../components/dom.js';
import { avatar } from '../components/avatar.js';
import { channelIcon, channelLabel } from '../components/channel.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { fullDate, errorText, userName } from '../lib/format.js';

function contactName(contact) {
  const name = [contact.first_name, contact.middle_name, contact.last_name].filter(Boolean).join(' ');
  return name || t('contact.unnamed');
}

function field(label, value) {
  if (!value) return null;
  return h('div', { class: 'card-field' }, h('dt', { text: label }), h('dd', null, value));
}

function identityCard(row) {
  return h(
    'div',
    { class: 'contact-card' },
    h('div', { class: 'card-head' }, avatar(`client:${row.client_name}`, row.client_name || '?', { size: 'lg' }), h('div', null, h('h2', { text: row.client_name || t('inbox.client') }), h('p', { class: 'muted', text: t('contact.not_in_crm') }))),
    h(
      'dl',
      { class: 'card-fields' },
      field(t('contact.channel'), h('span', { class: 'identity' }, channelIcon(row.channel_kind), `${channelLabel(row.channel_kind)} · ${row.channel_name}`)),
      field(t('contact.channel_id'), row.external_chat_id),
      field(t('contact.line'), row.line_name),
      field(t('contact.first_contact'), fullDate(row.queued_at)),
    ),
  );
}

function contactCard(contact) {
  return h(
    'div',
    { class: 'contact-card' },
    h('div', { class: 'card-head' }, avatar(contact.id, contactName(contact), { size: 'lg' }), h('div', null, h('h2', { text: contactName(contact) }), contact.position ? h('p', { class: 'muted', text: contact.position }) : null)),
    h(
      'dl',
      { class: 'card-fields' },
      field(t('contact.phones'), contact.phones?.length ? contact.phones.map((p) => h('div', { text: p.number })) : null),
      field(t('contact.emails'), contact.emails?.length ? contact.emails.map((e) => h('div', { text: e.address })) : null),
      field(
        t('contact.identities'),
        contact.identities?.length
          ? contact.identities.map((i) => h('div', { class: 'identity' }, channelIcon(i.channel), `${channelLabel(i.channel)} · ${i.external_id}`))
          : null,
      ),
      field(t('contact.address'), contact.address),
      field(t('contact.responsible'), contact.responsible_id ? userName(contact.responsible_id) : null),
    ),
  );
}

function timelineItem(entry) {
  const kind = ['message', 'call', 'email', 'meeting', 'comment', 'stage_change', 'task_event', 'field_change', 'conversation_event', 'merge'].includes(entry.kind)
    ? t(`timeline.${entry.kind}`)
    : entry.kind;
  return h(
    'li',
    { class: `timeline-entry timeline-${entry.kind}` },
    h('div', { class: 'timeline-meta' }, h('strong', { text: kind }), h('time', { class: 'muted', datetime: entry.occurred_at, text: fullDate(entry.occurred_at) })),
    h('p', { class: 'timeline-summary', text: entry.summary }),
  );
}

export function contactPanel(ctx, scope, roomId) {
  const body = h('div', { class: 'contact-panel-body' });
  const el = h('aside', { class: 'contact-panel', 'aria-label': t('contact.panel') }, h('h2', { class: 'panel-title', text: t('contact.title') }), body);
  let shownContact; // the contact id the panel shows (null: the channel identity)
  const timeline = { entries: [], cursor: null, loading: false, error: null };
  const list = h('ol', { class: 'timeline' });
  const more = h('div', { class: 'timeline-more' });

  function renderTimeline() {
    mount(list, timeline.entries.length ? timeline.entries.map(timelineItem) : timeline.loading ? null : h('li', { class: 'section-empty', text: t('timeline.empty') }));
    if (timeline.error) {
      mount(more, h('p', { class: 'list-notice', role: 'alert', text: errorText(timeline.error) }));
    } else if (timeline.loading) {
      mount(more, h('p', { class: 'list-notice', text: t('room.loading') }));
    } else if (timeline.cursor) {
      mount(more, h('button', { type: 'button', class: 'link-button', text: t('timeline.more'), onclick: () => loadTimeline(shownContact) }));
    } else {
      mount(more);
    }
  }

  async function loadTimeline(contactId) {
    timeline.loading = true;
    renderTimeline();
    try {
      const page = await ctx.api.contactTimeline(contactId, { cursor: timeline.cursor, limit: 20 });
      if (shownContact !== contactId) return;
      timeline.entries.push(...page.entries);
      timeline.cursor = page.next_cursor;
    } catch (error) {
      timeline.error = error;
    } finally {
      timeline.loading = false;
      if (shownContact === contactId) renderTimeline();
    }
  }

  async function showContact(contactId) {
    mount(body, h('p', { class: 'list-notice', text: t('room.loading') }));
    Object.assign(timeline, { entries: [], cursor: null, loading: false, error: null });
    try {
      const contact = await ctx.api.contact(contactId);
      if (shownContact !== contactId) return;
      mount(body, contactCard(contact), h('h3', { class: 'timeline-title', text: t('timeline.title') }), list, more);
      await loadTimeline(contactId);
    } catch (error) {
      if (shownContact !== contactId) return;
      // A contact the user may not open: fall back to what the channel says.
      mount(body, identityCard(store.state.inbox.rows.get(roomId)), h('p', { class: 'list-notice', text: errorText(error) }));
    }
  }

  function render() {
    const row = store.state.inbox.rows.get(roomId);
    if (!row) {
      mount(body, h('div', { class: 'empty-state' }, icon('user')));
      shownContact = undefined;
      return;
    }
    const wanted = row.contact_id || null;
    if (wanted === shownContact) return;
    shownContact = wanted;
    if (wanted) showContact(wanted);
    else mount(body, identityCard(row));
  }

  scope.on('inbox', render);
  render();
  return { el };
}
