// Users: everyone with their role, department and whether they may sign in; creating an
// account (a generated password is shown once), changing role and department, deactivating
// and reactivating.

import { h, mount } from '../../components/dom.js';
import { confirmDialog, openModal } from '../../components/modal.js';
import { t } from '../../lib/i18n.js';
import { adminError, copyable, emptyState, field, formDialog, loading, pageHeader, select, ROLES } from '../../lib/admin.js';
import { store } from '../../lib/store.js';

const LABELS = () => ({
  login: t('admin.user_login'),
  display_name: t('admin.user_name'),
  email: t('admin.user_email'),
  role: t('admin.user_role'),
  department_id: t('admin.user_department'),
  password: t('admin.user_password'),
});

export function usersPage(ctx, scope) {
  const body = h('div', { class: 'admin-body' }, loading());
  const status = h('p', { class: 'form-error', role: 'alert' });
  const el = h(
    'section',
    { class: 'admin-page admin-users' },
    pageHeader(t('admin.page_users'), t('admin.users_intro'), h('button', { type: 'button', class: 'button primary', text: t('admin.user_new'), onclick: () => openCreate() })),
    status,
    body,
  );
  let users = [];
  let departments = [];
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });
  const me = store.state.session.user.id;

  const roleOptions = () => ROLES.map((role) => [role, t(`role.${role}`)]);
  const departmentOptions = () => [['', t('admin.no_department')], ...departments.map((d) => [d.id, d.name])];
  const departmentName = (id) => departments.find((d) => d.id === id)?.name;

  async function load() {
    try {
      [users, departments] = await Promise.all([ctx.admin.users(), ctx.admin.departments()]);
      if (alive) render();
    } catch (error) {
      if (alive) mount(body, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  /** Runs a change on `user`; a failure is said above the table, and the list is shown as
   * stored either way. */
  async function change(user, action) {
    status.textContent = '';
    let done = false;
    try {
      await action();
      done = true;
    } catch (error) {
      status.textContent = adminError(error, LABELS());
    }
    await load();
    if (done) ctx.toast(t('admin.saved', { name: user.display_name }));
  }

  function row(user) {
    const self = user.id === me;
    const role = select(roleOptions(), user.role, { 'aria-label': t('admin.user_role_of', { name: user.display_name }), disabled: self || user.disabled });
    role.addEventListener('change', () => change(user, () => ctx.admin.updateUser(user.id, { role: role.value })));
    const department = select(departmentOptions(), user.department_id, { 'aria-label': t('admin.user_department_of', { name: user.display_name }), disabled: user.disabled });
    department.addEventListener('change', () => change(user, () => ctx.admin.updateUser(user.id, { department_id: department.value || null })));
    const toggle = user.disabled
      ? h('button', { type: 'button', class: 'button small', text: t('admin.user_enable'), onclick: () => change(user, () => ctx.admin.enableUser(user.id)) })
      : h('button', {
          type: 'button',
          class: 'button small danger-outline',
          text: t('admin.user_disable'),
          disabled: self,
          title: self ? t('admin.user_disable_self') : null,
          onclick: async () => {
            const sure = await confirmDialog({
              title: t('admin.user_disable_title', { name: user.display_name }),
              message: t('admin.user_disable_body'),
              confirm: t('admin.user_disable'),
              danger: true,
            });
            if (sure) await change(user, () => ctx.admin.disableUser(user.id));
          },
        });
    return h(
      'tr',
      { class: ['admin-row', user.disabled && 'is-disabled'], dataset: { login: user.login } },
      h('th', { scope: 'row' }, h('strong', { text: user.display_name }), h('span', { class: 'muted mono', text: ` ${user.login}` })),
      h('td', null, role),
      h('td', null, department, user.department_id && !departmentName(user.department_id) ? h('span', { class: 'muted', text: t('admin.unknown_department') }) : null),
      h('td', null, h('span', { class: ['status-pill', user.disabled ? 'off' : 'on'], text: user.disabled ? t('admin.user_inactive') : t('admin.user_active') })),
      h('td', { class: 'admin-actions' }, toggle),
    );
  }

  function render() {
    if (!users.length) {
      mount(body, emptyState(t('admin.users_empty')));
      return;
    }
    mount(
      body,
      h(
        'table',
        { class: 'admin-table' },
        h('caption', { class: 'visually-hidden', text: t('admin.page_users') }),
        h(
          'thead',
          null,
          h('tr', null, ...['admin.col_name', 'admin.user_role', 'admin.user_department', 'admin.col_state', 'admin.col_actions'].map((key) => h('th', { scope: 'col', text: t(key) }))),
        ),
        h('tbody', null, users.map(row)),
      ),
    );
  }

  function openCreate() {
    const login = h('input', { autocomplete: 'off', required: true, autofocus: true, autocapitalize: 'none', spellcheck: 'false', maxlength: 64 });
    const name = h('input', { autocomplete: 'off', required: true, maxlength: 100 });
    const email = h('input', { type: 'email', autocomplete: 'off' });
    const role = select(roleOptions(), 'operator');
    const department = select(departmentOptions(), '');
    const password = h('input', { type: 'password', autocomplete: 'new-password' });
    formDialog({
      title: t('admin.user_new'),
      submit: t('admin.create'),
      labels: LABELS(),
      fields: [
        field(t('admin.user_login'), login),
        field(t('admin.user_name'), name),
        field(t('admin.user_email'), email),
        field(t('admin.user_role'), role),
        field(t('admin.user_department'), department),
        field(t('admin.user_password'), password, t('admin.user_password_hint')),
      ],
      onSubmit: async () => {
        const created = await ctx.admin.createUser({
          login: login.value.trim(),
          display_name: name.value.trim(),
          email: email.value.trim() || null,
          role: role.value,
          department_id: department.value || null,
          password: password.value || undefined,
        });
        await load();
        if (created.generated_password) showPassword(created.user, created.generated_password);
        else ctx.toast(t('admin.user_created', { name: created.user.display_name }));
      },
    });
  }

  function showPassword(user, password) {
    const modal = openModal({
      title: t('admin.user_created', { name: user.display_name }),
      className: 'admin-password-dialog',
      body: [
        h('p', { text: t('admin.password_once', { login: user.login }) }),
        copyable(password, t('admin.user_password')),
        h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button primary', text: t('admin.done'), onclick: () => modal.close() })),
      ],
    });
  }

  load();
  return { el };
}
