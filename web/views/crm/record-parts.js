// Sections shared by the contact and company cards (and the contact panel of the inbox):
// their deals with stage and amount, and their open tasks with deadline, each linking to its
// CRM page.

import { h, mount } from '../../components/dom.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { money, dealStage, OPEN_TASK_STATUSES } from '../../lib/crm.js';
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

/** A deal as one line: its title linking to its page, its stage and its amount. */
export function dealRow(deal, pipelines, ...tools) {
  const stage = dealStage(pipelines, deal);
  return h(
    'div',
    { class: 'linked-row deal-row' },
    h('a', { href: `/crm/deals/${deal.id}`, class: 'record-link', onclick: followLink('crm-deal', { id: deal.id }), text: deal.title }),
    stage ? h('span', { class: ['stage-chip', `stage-${stage.meaning || 'open'}`], text: stage.name }) : null,
    h('span', { class: 'muted', text: money(deal.amount, deal.currency) }),
    tools,
  );
}

/** `filter` is `{contact_id}` or `{company_id}`; `tools` go into the section's heading. */
export function dealsSection(ctx, filter, ...tools) {
  return loadingSection(
    t('crm.deals.title'),
    () => Promise.all([ctx.crm.deals({ ...filter, limit: 50 }).then((page) => page.items), ctx.crm.pipelines()]),
    ([deals, pipelines]) => linkedList(t('crm.deals.title'), deals, (deal) => dealRow(deal, pipelines), t('crm.deals.none'), tools),
  );
}

/** `kind` is contacts or companies; `tools` go into the section's heading. */
export function openTasksSection(ctx, kind, recordId, ...tools) {
  return loadingSection(
    t('crm.tasks.open'),
    () => ctx.api.request('GET', `/api/v1/${kind}/${encodeURIComponent(recordId)}/tasks`, { query: { status: OPEN_TASK_STATUSES, sort: 'deadline', limit: 50 } }).then((page) => page.items),
    (tasks) =>
      linkedList(
        t('crm.tasks.open'),
        tasks,
        (task) => {
          // Tasks have no page of their own: the title leads to the task list.
          const title = h('a', { href: '/crm/tasks', class: 'record-link task-title', onclick: followLink('crm-tasks'), text: task.title });
          const row = h('div', { class: 'linked-row task-row' }, title, deadlineCell(task));
          row.prepend(doneBox(ctx, task, (updated) => row.classList.toggle('task-is-done', updated.status === 'done')));
          return row;
        },
        t('crm.tasks.none_open'),
        tools,
      ),
  );
}
