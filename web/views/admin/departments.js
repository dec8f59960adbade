// Departments: the tree staff are organised in, each with its head; creating one, renaming
// it, moving it under another (never under itself) and changing its head.

import { h, icon, mount } from '../../components/dom.js';
import { t } from '../../lib/i18n.js';
import { adminError, emptyState, field, formDialog, loading, pageHeader, personName, select } from '../../lib/admin.js';

const LABELS = () => ({ name: t('admin.department_name'), parent_id: t('admin.department_parent'), head_user_id: t('admin.department_head') });

/** Ids of `root` and every department below it. */
function subtree(departments, root) {
  const ids = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of departments) {
      if (d.parent_id && ids.has(d.parent_id) && !ids.has(d.id)) {
        ids.add(d.id);
        grew = true;
      }
    }
  }
  return ids;
}

export function departmentsPage(ctx, scope) {
  const body = h('div', { class: 'admin-body' }, loading());
  const el = h(
    'section',
    { class: 'admin-page admin-departments' },
    pageHeader(t('admin.page_departments'), t('admin.departments_intro'), h('button', { type: 'button', class: 'button primary', text: t('admin.department_new'), onclick: () => openForm() })),
    body,
  );
  let departments = [];
  let users = [];
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  async function load() {
    try {
      [departments, users] = await Promise.all([ctx.admin.departments(), ctx.admin.users()]);
      if (alive) render();
    } catch (error) {
      if (alive) mount(body, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  function branch(parentId) {
    const children = departments.filter((d) => (d.parent_id || null) === parentId || (parentId === null && d.parent_id && !departments.some((p) => p.id === d.parent_id)));
    if (!children.length) return null;
    return h(
      'ul',
      // Nested lists, not an ARIA tree: every department is visible and reached with Tab.
      { class: 'department-tree', 'aria-label': parentId ? null : t('admin.page_departments') },
      children.map((d) =>
        h(
          'li',
          { dataset: { departmentId: d.id } },
          h(
            'div',
            { class: 'department-node' },
            icon('group'),
            h('strong', { class: 'department-name', text: d.name }),
            h('span', { class: 'muted', text: d.head_user_id ? t('admin.department_headed_by', { name: personName(users, d.head_user_id) }) : t('admin.department_no_head') }),
            h('button', { type: 'button', class: 'button small', text: t('admin.edit'), 'aria-label': t('admin.edit_named', { name: d.name }), onclick: () => openForm(d) }),
          ),
          branch(d.id),
        ),
      ),
    );
  }

  function render() {
    mount(body, departments.length ? branch(null) : emptyState(t('admin.departments_empty'), t('admin.departments_empty_body')));
  }

  /** Creates a department, or edits `existing`. */
  function openForm(existing) {
    const name = h('input', { autocomplete: 'off', required: true, autofocus: true, maxlength: 100, value: existing?.name || '' });
    const excluded = existing ? subtree(departments, existing.id) : new Set();
    const parent = select(
      [['', t('admin.department_top')], ...departments.filter((d) => !excluded.has(d.id)).map((d) => [d.id, d.name])],
      existing?.parent_id || '',
    );
    const head = select(
      [['', t('admin.department_no_head')], ...users.filter((u) => !u.disabled || u.id === existing?.head_user_id).map((u) => [u.id, `${u.display_name} (${t(`role.${u.role}`)})`])],
      existing?.head_user_id || '',
    );
    formDialog({
      title: existing ? t('admin.department_edit', { name: existing.name }) : t('admin.department_new'),
      submit: existing ? t('admin.save') : t('admin.create'),
      labels: LABELS(),
      fields: [field(t('admin.department_name'), name), field(t('admin.department_parent'), parent), field(t('admin.department_head'), head)],
      onSubmit: async () => {
        const values = { name: name.value.trim(), parent_id: parent.value || null, head_user_id: head.value || null };
        if (existing) await ctx.admin.updateDepartment(existing.id, values);
        else await ctx.admin.createDepartment(values);
        ctx.toast(t(existing ? 'admin.saved' : 'admin.department_created', { name: values.name }));
        await load();
      },
    });
  }

  load();
  return { el };
}
