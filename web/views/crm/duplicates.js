// The duplicate finder: every group of contacts the user may see that share a phone, an
// e-mail or a similar name, paged with "load more"; each group can be merged in a dialog, and
// the list is read again afterwards since a merge can end other groups too.

import { h, mount } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { contactName } from '../../lib/crm.js';
import { pageHeader, notice, emptyState } from './parts.js';
import { openMergeDialog } from './merge-dialog.js';

const REASONS = ['phone', 'email', 'name'];
/** A merge takes a survivor and at most ten others (`MERGE_MAX_SOURCES` on the server). */
const MERGE_MAX = 11;

function reasonLabel(reason) {
  return REASONS.includes(reason) ? t(`crm.duplicates.reason.${reason}`) : reason;
}

export function duplicatesView(ctx, scope) {
  const list = h('ul', { class: 'duplicate-groups', 'aria-label': t('crm.duplicates.page_title') });
  const footer = h('div', { class: 'table-footer' });
  const state = { groups: [], cursor: null, loading: false, error: null, generation: 0 };
  // Merging changes records: not for viewers.
  const canMerge = store.state.session.user.role !== 'viewer';
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  function groupItem(group) {
    const heading = h(
      'h2',
      { class: 'duplicate-group-title' },
      h('span', { class: 'status-chip', text: reasonLabel(group.reason) }),
      // A name key is an internal spelling: the names below say it better.
      group.reason === 'name' ? null : h('span', { class: 'duplicate-value', text: group.value }),
      h('span', { class: 'muted', text: t('crm.duplicates.size', { count: group.size }) }),
    );
    const rows = group.records.map((c) =>
      h(
        'li',
        { class: 'linked-row' },
        h('a', { href: `/crm/contacts/${c.id}`, class: 'record-link', onclick: followLink('crm-contact', { id: c.id }), text: contactName(c) }),
        h('span', { class: 'muted', text: [...c.phones.map((p) => p.number), ...c.emails.map((e) => e.address)].join(', ') }),
      ),
    );
    const merge =
      canMerge && group.records.length > 1
        ? h('button', { type: 'button', class: 'button', text: t('crm.duplicates.merge_group'), onclick: () => openMergeDialog(ctx, group.records.slice(0, MERGE_MAX), () => reload(), group.size) })
        : null;
    return h('li', { class: 'crm-section duplicate-group', dataset: { reason: group.reason } }, heading, h('ul', { class: 'linked-list' }, rows), merge);
  }

  function render() {
    mount(list, state.groups.map(groupItem));
    if (state.error) {
      mount(footer, notice(errorText(state.error), { role: 'alert' }), h('button', { type: 'button', class: 'button', text: t('action.retry'), onclick: more }));
    } else if (state.loading) {
      mount(footer, notice(t('room.loading')));
    } else if (!state.groups.length) {
      mount(footer, emptyState('check', t('crm.duplicates.page_empty'), t('crm.duplicates.page_empty_body')));
    } else if (state.cursor) {
      mount(footer, h('button', { type: 'button', class: 'button load-more', text: t('crm.list.more'), onclick: more }));
    } else {
      mount(footer);
    }
  }

  async function more() {
    const generation = state.generation;
    Object.assign(state, { loading: true, error: null });
    render();
    try {
      const page = await ctx.crm.duplicateGroups({ cursor: state.cursor, limit: 50 });
      if (!alive || generation !== state.generation) return;
      state.groups.push(...page.items);
      state.cursor = page.next_cursor;
    } catch (error) {
      if (!alive || generation !== state.generation) return;
      state.error = error;
    }
    state.loading = false;
    render();
  }

  function reload() {
    Object.assign(state, { groups: [], cursor: null, generation: state.generation + 1 });
    return more();
  }

  reload();
  return { el: h('div', { class: 'crm-list-page' }, pageHeader(t('crm.duplicates.page_title')), h('p', { class: 'muted crm-intro', text: t('crm.duplicates.page_intro') }), h('div', { class: 'crm-list' }, list, footer)) };
}
