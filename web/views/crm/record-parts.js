// Sections shared by the contact and company cards: their deals and their open tasks.

import { h, mount } from '../../components/dom.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { money, OPEN_TASK_STATUSES } from '../../lib/crm.js';
import { notice, linkedList } from './parts.js';
import { doneBox, deadlineCell } from './tasks.js';

/** A section filled when `load()` answers; `draw(items)` makes its content. */
function loadingSection(title, load, draw) {
  const el = h('section', { class: 'crm-section' }, h('h2', { class: 'crm-section-title', text: title }), notice(t('room.loading')));
  load().then(
    (items) => el.replaceWith(draw(items)),
    (error) => mount(el, h('h2', { class: 'crm-section-title', text: title }), notice(errorText(error), { role: 'alert' })),
  );
  return el;
}

/** `filter` is `{contact_id}` or `{company_id}`. */
export function dealsSection(ctx, filter) {
  return loadingSection(
    t('crm.deals.title'),
    () => ctx.crm.deals({ ...filter, limit: 50 }).then((page) => page.items),
    (deals) =>
      linkedList(
        t('crm.deals.title'),
        deals,
        (deal) =>
          h(
            'div',
            { class: 'linked-row' },
            h('a', { href: `/crm/deals/${deal.id}`, class: 'record-link', onclick: followLink('crm-deal', { id: deal.id }), text: deal.title }),
            h('span', { class: 'muted', text: money(deal.amount, deal.currency) }),
          ),
        t('crm.deals.none'),
      ),
  );
}

/** `kind` is contacts or companies. */
export function openTasksSection(ctx, kind, recordId) {
  return loadingSection(
    t('crm.tasks.open'),
    () => ctx.api.request('GET', `/api/v1/${kind}/${encodeURIComponent(recordId)}/tasks`, { query: { status: OPEN_TASK_STATUSES, sort: 'deadline', limit: 50 } }).then((page) => page.items),
    (tasks) =>
      linkedList(
        t('crm.tasks.open'),
        tasks,
        (task) => {
          const row = h('label', { class: 'linked-row task-row' }, null, h('span', { class: 'task-title', text: task.title }), deadlineCell(task));
          row.prepend(doneBox(ctx, task, (updated) => row.classList.toggle('task-is-done', updated.status === 'done')));
          return row;
        },
        t('crm.tasks.none_open'),
      ),
  );
}
