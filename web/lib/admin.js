// What the admin screens share: which pages a role may open (mirroring what the API allows),
// the admin REST calls, API errors in words that name the field, labelled form fields, a
// form in a dialog, and a copy-to-clipboard button.

import { h, icon } from '../components/dom.js';
import { openModal } from '../components/modal.js';
import { toast } from '../components/toast.js';
import { t } from './i18n.js';
import { errorText } from './format.js';
import { followLink } from './router.js';
import { store } from './store.js';

/** The admin pages in menu order, with the roles the API lets change what each shows. */
export const PAGES = [
  { page: 'users', icon: 'user', roles: ['admin'] },
  { page: 'departments', icon: 'group', roles: ['admin'] },
  { page: 'lines', icon: 'inbox', roles: ['admin'] },
  // Supervisors keep any line's canned responses (GET /api/v1/lines lets them pick one).
  { page: 'canned', icon: 'chat', roles: ['admin', 'supervisor'] },
  { page: 'pipelines', icon: 'checks', roles: ['admin'] },
  { page: 'fields', icon: 'edit', roles: ['admin'] },
];

export function pagesFor(user) {
  return PAGES.filter((entry) => user && entry.roles.includes(user.role));
}

export function mayAdminister(user) {
  return pagesFor(user).length > 0;
}

export const DISTRIBUTIONS = ['round_robin', 'least_busy', 'offer_all'];
export const RATING_MODES = ['off', 'csat', 'thumbs'];
export const MEANINGS = ['open', 'won', 'lost'];
export const ROLES = ['admin', 'supervisor', 'operator', 'viewer'];
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The REST calls of the admin screens, on the app's client (bearer token, ApiError). */
export function adminApi(api) {
  const { request } = api;
  const id = encodeURIComponent;
  const get = (path, query) => request('GET', path, { query });
  const post = (path, body) => request('POST', path, { body: body ?? {} });
  const patch = (path, body) => request('PATCH', path, { body });
  return {
    users: () => get('/api/v1/users'),
    createUser: (user) => post('/api/v1/users', user),
    updateUser: (userId, change) => patch(`/api/v1/users/${id(userId)}`, change),
    disableUser: (userId) => post(`/api/v1/users/${id(userId)}/disable`),
    enableUser: (userId) => post(`/api/v1/users/${id(userId)}/enable`),
    departments: () => get('/api/v1/departments'),
    createDepartment: (department) => post('/api/v1/departments', department),
    updateDepartment: (departmentId, change) => patch(`/api/v1/departments/${id(departmentId)}`, change),
    lines: () => get('/api/v1/lines'),
    line: (lineId) => get(`/api/v1/lines/${id(lineId)}`),
    createLine: (line) => post('/api/v1/lines', line),
    updateLine: (lineId, change) => patch(`/api/v1/lines/${id(lineId)}`, change),
    channels: () => get('/api/v1/channels'),
    connectTelegram: (channel) => post('/api/v1/channels/telegram', channel),
    connectWidget: (channel) => post('/api/v1/channels/widget', channel),
    canned: (lineId) => get('/api/v1/canned', { line_id: lineId }),
    createCanned: (canned) => post('/api/v1/canned', canned),
    updateCanned: (cannedId, change) => patch(`/api/v1/canned/${id(cannedId)}`, change),
    deleteCanned: (cannedId) => request('DELETE', `/api/v1/canned/${id(cannedId)}`),
    pipelines: () => get('/api/v1/pipelines'),
    createPipeline: (pipeline) => post('/api/v1/pipelines', pipeline),
    updatePipeline: (pipelineId, change) => patch(`/api/v1/pipelines/${id(pipelineId)}`, change),
    deletePipeline: (pipelineId) => request('DELETE', `/api/v1/pipelines/${id(pipelineId)}`),
    addStage: (pipelineId, stage) => post(`/api/v1/pipelines/${id(pipelineId)}/stages`, stage),
    updateStage: (pipelineId, stageId, change) =>
      patch(`/api/v1/pipelines/${id(pipelineId)}/stages/${id(stageId)}`, change),
    reorderStages: (pipelineId, stageIds) =>
      post(`/api/v1/pipelines/${id(pipelineId)}/stages/order`, { stage_ids: stageIds }),
    removeStage: (pipelineId, stageId, moveTo) =>
      request('DELETE', `/api/v1/pipelines/${id(pipelineId)}/stages/${id(stageId)}`, { query: { move_to: moveTo } }),
    /** `entity` is contact, company, deal or lead. */
    customFields: (entity) => get(`/api/v1/custom-fields/${id(entity)}`),
    createCustomField: (entity, definition) => post(`/api/v1/custom-fields/${id(entity)}`, definition),
    updateCustomField: (entity, fieldId, change) => patch(`/api/v1/custom-fields/${id(entity)}/${id(fieldId)}`, change),
    deleteCustomField: (entity, fieldId) => request('DELETE', `/api/v1/custom-fields/${id(entity)}/${id(fieldId)}`),
  };
}

/**
 * A failed admin request in words. A validation error names the field by its label on the
 * form (`labels`: API field → label) and adds the server's explanation; a conflict adds what
 * the server says is taken or in the way.
 */
export function adminError(error, labels = {}) {
  if (error?.code === 'validation_failed') {
    const [field, detail] = Object.entries(error.fields || {})[0] || [];
    if (field) {
      const base = field.split(/[.[]/)[0];
      return t('admin.error_field', { field: labels[field] || labels[base] || field, detail });
    }
    return error.message ? t('admin.error_detail', { text: t('error.validation'), detail: error.message }) : t('error.validation');
  }
  if (error?.status === 409 && error.message) {
    const text = error.code === 'conflict' ? t('error.conflict') : t('admin.error_conflict');
    return t('admin.error_detail', { text, detail: error.message });
  }
  return errorText(error);
}

let fieldCount = 0;

/** A label and its control (the control gets an id when it has none). */
export function field(label, control, hint) {
  if (!control.id) {
    fieldCount += 1;
    control.id = `admin-field-${fieldCount}`;
  }
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'admin-field' }, h('label', { for: control.id, text: label }), control, hintEl);
}

/** A `<select>` of `[value, text]` options with `selected` chosen. */
export function select(options, selected, props = {}) {
  return h(
    'select',
    props,
    options.map(([value, text]) => h('option', { value, text, selected: value === (selected ?? '') })),
  );
}

/**
 * A form in a dialog. `onSubmit()` resolves when done (the dialog closes) or throws an API
 * error shown above the buttons; `labels` names the fields for those errors.
 */
export function formDialog({ title, fields, submit, onSubmit, labels = {}, className = '' }) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'button primary', text: submit });
  const form = h(
    'form',
    {
      class: 'stack-form admin-form',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        button.disabled = true;
        try {
          const done = await onSubmit();
          if (done !== false) modal.close();
        } catch (failure) {
          error.textContent = adminError(failure, labels);
        } finally {
          button.disabled = false;
        }
      },
    },
    fields,
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), button),
  );
  const modal = openModal({ title, body: form, className });
  return modal;
}

/** Copies text to the clipboard; falls back to selecting a hidden field where the
 * asynchronous clipboard is not allowed (plain http). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h('textarea', { class: 'visually-hidden', readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  toast(t('admin.copied'));
}

export function copyButton(text, label) {
  return h(
    'button',
    { type: 'button', class: 'button small copy-button', 'aria-label': label, title: label, onclick: () => copyText(text) },
    icon('file'),
    h('span', { text: t('admin.copy') }),
  );
}

/** A read-only value with its copy button (webhook URLs, embed snippets, passwords). */
export function copyable(text, label, { multiline = false } = {}) {
  const control = multiline
    ? h('textarea', { class: 'copy-value mono', readonly: true, rows: 3, 'aria-label': label })
    : h('input', { class: 'copy-value mono', readonly: true, 'aria-label': label });
  control.value = text;
  control.addEventListener('focus', () => control.select());
  return h('div', { class: 'copyable' }, control, copyButton(text, t('admin.copy_label', { what: label })));
}

/** The sidebar entry into the admin screens, for the roles that have any. */
export function adminNavEntry() {
  const user = store.state.session?.user;
  const pages = pagesFor(user);
  if (!pages.length) return null;
  const active = store.state.route.name === 'admin';
  return h(
    'a',
    {
      href: `/admin/${pages[0].page}`,
      class: ['room-link', 'admin-link', active && 'active'],
      'aria-current': active ? 'page' : null,
      onclick: followLink('admin', { page: pages[0].page }),
    },
    h('span', { class: 'room-glyph' }, icon('lock')),
    h('span', { class: 'room-link-name', text: t('admin.title') }),
  );
}

/** A page's heading row: title, a short description and its main action. */
export function pageHeader(title, description, action) {
  return h(
    'header',
    { class: 'admin-page-header' },
    h('div', null, h('h2', { id: 'admin-page-title', text: title }), description ? h('p', { class: 'muted', text: description }) : null),
    action,
  );
}

export function emptyState(title, body) {
  return h('div', { class: 'empty-state small admin-empty' }, icon('inbox'), h('h3', { text: title }), body ? h('p', { text: body }) : null);
}

export function loading() {
  return h('p', { class: 'muted admin-loading', role: 'status', text: t('room.loading') });
}

/** A person's name for the admin lists; disabled people are marked. */
export function personName(users, userId) {
  const user = users.find((u) => u.id === userId);
  if (!user) return t('user.unknown', { short: String(userId).slice(-4) });
  return user.disabled ? t('admin.user_disabled_name', { name: user.display_name }) : user.display_name;
}
