// Pieces the CRM pages are built from: the page header, a list that pages with the server's
// cursor ("load more"), a record's timeline with its comment box, and a definition list of
// fields.

import { h, icon, mount } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText, userName } from '../../lib/format.js';
import { shortDateTime, money, calendarDate } from '../../lib/crm.js';

export function pageHeader(title, ...tools) {
  return h('header', { class: 'crm-header' }, h('h1', { class: 'crm-title', text: title }), h('div', { class: 'crm-tools' }, tools));
}

export function notice(text, { role } = {}) {
  return h('p', { class: 'list-notice', role, text });
}

export function emptyState(iconName, title, body) {
  return h('div', { class: 'empty-state small' }, icon(iconName), h('h2', { text: title }), body ? h('p', { text: body }) : null);
}

/** Label and value rows; a missing value leaves its row out. */
export function fields(rows) {
  return h(
    'dl',
    { class: 'crm-fields' },
    rows.filter(([, value]) => value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && !value.length)).map(([label, value]) => h('div', { class: 'crm-field' }, h('dt', { text: label }), h('dd', null, value))),
  );
}

/**
 * A table filled page by page: `load(cursor)` answers `{items, next_cursor, total}`.
 * `reload()` starts again from the first page (after a filter changed); a response to an
 * older request is dropped.
 */
export function pagedTable({ columns, load, empty, rowClass, caption }) {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'crm-table' },
    caption ? h('caption', { class: 'visually-hidden', text: caption }) : null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.className, text: c.label })))),
    body,
  );
  const footer = h('div', { class: 'table-footer' });
  const count = h('p', { class: 'crm-count muted', 'aria-live': 'polite' });
  const el = h('div', { class: 'crm-list' }, count, table, footer);
  const state = { items: [], cursor: null, loading: false, error: null, total: null, generation: 0 };

  function row(item) {
    return h('tr', { class: rowClass?.(item), dataset: { id: item.id } }, columns.map((c) => h('td', { class: c.className }, c.cell(item))));
  }

  function render() {
    mount(body, state.items.map(row));
    table.hidden = !state.items.length;
    if (state.total !== null) count.textContent = t('crm.list.total', { count: state.total });
    if (state.error) {
      mount(footer, notice(errorText(state.error), { role: 'alert' }), h('button', { type: 'button', class: 'button', text: t('action.retry'), onclick: more }));
    } else if (state.loading) {
      mount(footer, notice(t('room.loading')));
    } else if (!state.items.length) {
      mount(footer, empty());
    } else if (state.cursor) {
      mount(footer, h('button', { type: 'button', class: 'button load-more', text: t('crm.list.more'), onclick: more }));
    } else {
      mount(footer);
    }
  }

  async function more() {
    const generation = state.generation;
    state.loading = true;
    state.error = null;
    render();
    try {
      const page = await load(state.cursor);
      if (generation !== state.generation) return;
      state.items.push(...page.items);
      state.cursor = page.next_cursor;
      if (page.total !== null && page.total !== undefined) state.total = page.total;
    } catch (error) {
      if (generation !== state.generation) return;
      state.error = error;
    }
    state.loading = false;
    render();
  }

  function reload() {
    Object.assign(state, { items: [], cursor: null, loading: false, error: null, total: null, generation: state.generation + 1 });
    count.textContent = '';
    return more();
  }

  /** Redraws one row in place after it changed. */
  function replace(item) {
    const index = state.items.findIndex((i) => i.id === item.id);
    if (index < 0) return;
    state.items[index] = item;
    body.children[index]?.replaceWith(row(item));
  }

  return { el, reload, replace };
}

const KINDS = ['message', 'call', 'email', 'meeting', 'comment', 'stage_change', 'task_event', 'field_change', 'conversation_event', 'merge'];

function kindLabel(kind) {
  if (KINDS.includes(kind)) return t(`timeline.${kind}`);
  if (kind === 'conversion') return t('crm.timeline.conversion');
  return kind;
}

const CHANGED_FIELDS = ['title', 'amount', 'expected_close', 'probability', 'responsible_id', 'phones', 'emails', 'company_id', 'contact_id', 'name'];

/** One changed value in the reader's language: money, dates, people and linked records. */
function changedValue(ctx, field, value) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return '—';
  if (field === 'amount' && typeof value === 'object') return money(value.amount, value.currency);
  if (field === 'expected_close') return calendarDate(value);
  if (field === 'probability') return `${value}%`;
  if (field === 'responsible_id') return userName(value);
  if (field === 'company_id') return ctx.names.link('company', value);
  if (field === 'contact_id') return ctx.names.link('contact', value);
  // Phones and e-mails are lists of `{number}` and `{address}`.
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' ? item.number || item.address || '' : item)).join(', ');
  return String(value);
}

/**
 * A field change told from its payload, so it reads in the user's language (the server's
 * summary is English); null when a field is one this page does not know.
 */
function fieldChanges(ctx, entry) {
  const changes = entry.payload?.changes;
  if (!Array.isArray(changes) || !changes.length || !changes.every((c) => CHANGED_FIELDS.includes(c.field))) return null;
  return changes.flatMap((change, index) => [
    index ? '; ' : null,
    `${t(`crm.change.${change.field}`)}: `,
    changedValue(ctx, change.field, change.from),
    ' → ',
    changedValue(ctx, change.field, change.to),
  ]);
}

const CONVERSATION_EVENTS = ['opened', 'assigned', 'transferred', 'closed', 'reopened', 'rated', 'deal_linked', 'deal_unlinked'];

/** What an entry says, in the reader's language where its payload tells (the server's summary is English). */
function entryText(ctx, entry) {
  // A comment's whole text is in its payload; the summary is cut to one line.
  if (entry.kind === 'comment' && entry.payload?.text) return entry.payload.text;
  if (entry.kind === 'field_change') return fieldChanges(ctx, entry) || entry.summary;
  if (entry.kind === 'conversation_event' && CONVERSATION_EVENTS.includes(entry.payload?.event)) return t(`crm.conversation_event.${entry.payload.event}`);
  return entry.summary;
}

function entryItem(ctx, entry) {
  const text = entryText(ctx, entry);
  return h(
    'li',
    { class: `timeline-entry timeline-${entry.kind}`, dataset: { kind: entry.kind } },
    h(
      'div',
      { class: 'crm-timeline-meta' },
      h('strong', { text: kindLabel(entry.kind) }),
      h('span', { class: 'muted', text: entry.author_id ? userName(entry.author_id) : t('user.system') }),
      h('time', { class: 'muted', datetime: entry.occurred_at, text: shortDateTime(entry.occurred_at) }),
    ),
    h('p', { class: 'timeline-summary' }, text),
  );
}

/**
 * A record's timeline, newest first, paged; with a comment box when `kind` takes comments.
 * `kind` is the API's plural (deals, contacts, companies, leads).
 */
export function timelineSection(ctx, scope, kind, recordId) {
  const list = h('ol', { class: 'timeline crm-timeline' });
  const more = h('div', { class: 'timeline-more' });
  const state = { entries: [], cursor: null, loading: false, error: null };
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  const field = h('textarea', { id: `comment-${recordId}`, class: 'comment-field', rows: 2, maxlength: 10000, placeholder: t('crm.comment.placeholder') });
  const send = h('button', { type: 'submit', class: 'button primary', text: t('crm.comment.add') });
  const formError = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const text = field.value.trim();
        if (!text) {
          formError.textContent = t('crm.comment.empty');
          return;
        }
        send.disabled = true;
        formError.textContent = '';
        try {
          const entry = await ctx.crm.comment(kind, recordId, text);
          if (!alive) return;
          field.value = '';
          state.entries.unshift(entry);
          render();
        } catch (error) {
          formError.textContent = errorText(error);
        } finally {
          send.disabled = false;
        }
      },
    },
    h('label', { for: field.id, class: 'visually-hidden', text: t('crm.comment.label') }),
    field,
    formError,
    h('div', { class: 'comment-actions' }, send),
  );
  // Viewers read the timeline but do not write on it.
  form.hidden = store.state.session.user.role === 'viewer';

  function render() {
    mount(list, state.entries.length ? state.entries.map((entry) => entryItem(ctx, entry)) : state.loading || state.error ? null : h('li', { class: 'section-empty', text: t('timeline.empty') }));
    if (state.error) {
      mount(more, notice(errorText(state.error), { role: 'alert' }), h('button', { type: 'button', class: 'link-button', text: t('action.retry'), onclick: load }));
    } else if (state.loading) {
      mount(more, notice(t('room.loading')));
    } else if (state.cursor) {
      mount(more, h('button', { type: 'button', class: 'button load-more', text: t('timeline.more'), onclick: load }));
    } else {
      mount(more);
    }
  }

  async function load() {
    state.loading = true;
    state.error = null;
    render();
    try {
      const page = await ctx.crm.timeline(kind, recordId, { cursor: state.cursor, limit: 20 });
      if (!alive) return;
      state.entries.push(...page.entries);
      state.cursor = page.next_cursor;
    } catch (error) {
      state.error = error;
    }
    state.loading = false;
    if (alive) render();
  }

  load();
  return h('section', { class: 'crm-section crm-timeline-section', 'aria-labelledby': `timeline-${recordId}` }, h('h2', { id: `timeline-${recordId}`, class: 'crm-section-title', text: t('timeline.title') }), form, list, more);
}

/**
 * A short list of linked records in a card (deals, tasks, contacts), or a line saying none;
 * `tools` (buttons) sit beside the title.
 */
export function linkedList(title, items, draw, emptyText, tools = []) {
  const heading = h('h2', { class: 'crm-section-title', text: title });
  return h(
    'section',
    { class: 'crm-section' },
    tools.length ? h('div', { class: 'section-head' }, heading, tools) : heading,
    items.length ? h('ul', { class: 'linked-list' }, items.map((item) => h('li', null, draw(item)))) : h('p', { class: 'section-empty', text: emptyText }),
  );
}
