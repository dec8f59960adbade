// Tasks: open, done or all, only mine, only overdue; nearest deadline first, overdue ones
// marked; a checkbox marks a task done (or open again).

import { h } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText, userName } from '../../lib/format.js';
import { OPEN_TASK_STATUSES, isOverdue, shortDateTime } from '../../lib/crm.js';
import { pageHeader, pagedTable, emptyState } from './parts.js';
import { filterBar, checkbox, menu, mineLabel } from './filters.js';
import { taskEntity } from './task-parts.js';

const PRIORITIES = ['low', 'normal', 'high'];

/** The checkbox that marks a task done; `onChanged(task)` gets the server's copy. */
export function doneBox(ctx, task, onChanged) {
  const box = h('input', {
    type: 'checkbox',
    class: 'task-done',
    checked: task.status === 'done',
    disabled: store.state.session.user.role === 'viewer',
    'aria-label': t('crm.task.mark_done', { title: task.title }),
    onchange: async () => {
      box.disabled = true;
      try {
        const updated = await ctx.crm.updateTask(task.id, { status: box.checked ? 'done' : 'new' });
        onChanged(updated);
        if (updated.status === 'done') ctx.toast(t('crm.task.done', { title: task.title }));
      } catch (error) {
        box.checked = !box.checked;
        box.disabled = false;
        ctx.toast(error.code === 'blocked_by' ? t('crm.task.blocked', { title: task.title }) : errorText(error), { kind: 'error' });
      }
    },
  });
  return box;
}

export function deadlineCell(task) {
  if (!task.deadline) return h('span', { class: 'muted', text: t('crm.task.no_deadline') });
  const overdue = isOverdue(task);
  return h('span', { class: ['deadline', overdue && 'overdue'] }, shortDateTime(task.deadline), overdue ? h('span', { class: 'overdue-chip', text: t('crm.task.overdue') }) : null);
}

export function tasksView(ctx) {
  const status = menu('tasks-status', t('crm.task.status'), [
    [OPEN_TASK_STATUSES, t('crm.task.filter.open')],
    ['done', t('crm.task.filter.done')],
    ['', t('crm.task.filter.all')],
  ]);
  const mine = checkbox('tasks-mine', mineLabel());
  const overdue = checkbox('tasks-overdue', t('crm.task.filter.overdue'));
  const filters = filterBar({ id: 'tasks', controls: [status, mine, overdue], onChange: () => table.reload() });
  const table = pagedTable({
    caption: t('crm.tasks.title'),
    rowClass: (task) => [task.status === 'done' && 'task-is-done', isOverdue(task) && 'task-is-overdue'].filter(Boolean).join(' '),
    columns: [
      { label: t('crm.task.done_column'), className: 'narrow', cell: (task) => doneBox(ctx, task, (updated) => table.replace(updated)) },
      { label: t('crm.task.title'), cell: (task) => [h('strong', { class: 'task-title', text: task.title }), task.description ? h('div', { class: 'muted small', text: task.description }) : null] },
      { label: t('crm.task.deadline'), className: 'nowrap', cell: deadlineCell },
      { label: t('crm.task.priority'), cell: (task) => h('span', { class: ['priority', `priority-${task.priority}`], text: PRIORITIES.includes(task.priority) ? t(`crm.task.priority.${task.priority}`) : task.priority }) },
      { label: t('crm.task.related'), cell: (task) => taskEntity(ctx, task) },
      { label: t('contact.responsible'), cell: (task) => userName(task.responsible_id) },
    ],
    load: (cursor) =>
      ctx.crm.tasks({
        status: status.value,
        responsible_id: mine.checked ? store.state.session.user.id : null,
        overdue: overdue.checked ? 'true' : null,
        sort: 'deadline',
        cursor,
        limit: 50,
      }),
    empty: () => emptyState('tasks', t('crm.tasks.empty'), status.value === OPEN_TASK_STATUSES && !overdue.checked && !mine.checked ? t('crm.tasks.empty_body') : null),
  });
  table.reload();
  return { el: h('div', { class: 'crm-list-page' }, pageHeader(t('crm.tasks.title')), filters.el, table.el) };
}
