// Canned responses shared on a line: pick the line, then list, add, edit and delete its
// responses (a shortcut operators type after "/" and the text it inserts).

import { h, icon, mount } from '../../components/dom.js';
import { confirmDialog } from '../../components/modal.js';
import { t } from '../../lib/i18n.js';
import { adminError, emptyState, field, formDialog, loading, pageHeader, select } from '../../lib/admin.js';

const LABELS = () => ({ shortcut: t('admin.canned_shortcut'), body: t('admin.canned_body'), line_id: t('admin.canned_line') });

export function cannedPage(ctx, scope) {
  const body = h('div', { class: 'admin-body' }, loading());
  const status = h('p', { class: 'form-error', role: 'alert' });
  const addButton = h('button', { type: 'button', class: 'button primary', text: t('admin.canned_new'), disabled: true, onclick: () => openForm() });
  const el = h('section', { class: 'admin-page admin-canned' }, pageHeader(t('admin.page_canned'), t('admin.canned_intro'), addButton), status, body);
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });
  let lines = [];
  let lineId = '';
  const list = h('div', { class: 'canned-list' });

  async function load() {
    try {
      lines = await ctx.admin.lines();
      if (!alive) return;
      if (!lines.length) {
        mount(body, emptyState(t('admin.canned_no_lines'), t('admin.canned_no_lines_body')));
        return;
      }
      lineId = lines[0].id;
      const picker = select(lines.map((l) => [l.id, l.name]), lineId, { id: 'canned-line' });
      picker.addEventListener('change', () => {
        lineId = picker.value;
        loadResponses();
      });
      addButton.disabled = false;
      mount(body, h('div', { class: 'canned-picker' }, field(t('admin.canned_line'), picker)), list);
      await loadResponses();
    } catch (error) {
      if (alive) mount(body, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  async function loadResponses() {
    status.textContent = '';
    mount(list, loading());
    try {
      const shown = lineId;
      const responses = await ctx.admin.canned(shown);
      if (alive && shown === lineId) render(responses);
    } catch (error) {
      if (alive) mount(list, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  function render(responses) {
    if (!responses.length) {
      mount(list, emptyState(t('admin.canned_empty'), t('admin.canned_empty_body')));
      return;
    }
    mount(
      list,
      h(
        'table',
        { class: 'admin-table' },
        h('caption', { class: 'visually-hidden', text: t('admin.page_canned') }),
        h('thead', null, h('tr', null, ...['admin.canned_shortcut', 'admin.canned_body', 'admin.col_actions'].map((key) => h('th', { scope: 'col', text: t(key) })))),
        h(
          'tbody',
          null,
          responses.map((response) =>
            h(
              'tr',
              { class: 'admin-row', dataset: { shortcut: response.shortcut } },
              h('th', { scope: 'row' }, h('code', { class: 'shortcut', text: `/${response.shortcut}` })),
              h('td', { class: 'canned-text', text: response.body }),
              h(
                'td',
                { class: 'admin-actions' },
                h('button', { type: 'button', class: 'icon-button small', 'aria-label': t('admin.edit_named', { name: `/${response.shortcut}` }), title: t('admin.edit'), onclick: () => openForm(response) }, icon('edit')),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'icon-button small danger',
                    'aria-label': t('admin.delete_named', { name: `/${response.shortcut}` }),
                    title: t('admin.delete'),
                    onclick: async () => {
                      const sure = await confirmDialog({
                        title: t('admin.canned_delete_title', { shortcut: response.shortcut }),
                        message: t('admin.canned_delete_body'),
                        confirm: t('admin.delete'),
                        danger: true,
                      });
                      if (!sure) return;
                      try {
                        await ctx.admin.deleteCanned(response.id);
                        ctx.toast(t('admin.canned_deleted', { shortcut: response.shortcut }));
                      } catch (error) {
                        status.textContent = adminError(error, LABELS());
                      }
                      await loadResponses();
                    },
                  },
                  icon('trash'),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** Adds a response to the chosen line, or edits `existing`. */
  function openForm(existing) {
    const shortcut = h('input', { class: 'mono', required: true, autofocus: true, autocomplete: 'off', spellcheck: 'false', maxlength: 33, value: existing?.shortcut || '' });
    const text = h('textarea', { required: true, rows: 5, maxlength: 4000 });
    text.value = existing?.body || '';
    formDialog({
      title: existing ? t('admin.canned_edit', { shortcut: existing.shortcut }) : t('admin.canned_new'),
      submit: existing ? t('admin.save') : t('admin.create'),
      labels: LABELS(),
      fields: [field(t('admin.canned_shortcut'), shortcut, t('admin.canned_shortcut_hint')), field(t('admin.canned_body'), text)],
      onSubmit: async () => {
        const values = { shortcut: shortcut.value.trim(), body: text.value };
        if (existing) await ctx.admin.updateCanned(existing.id, values);
        else await ctx.admin.createCanned({ line_id: lineId, ...values });
        ctx.toast(t('admin.saved', { name: `/${values.shortcut.replace(/^\//, '')}` }));
        await loadResponses();
      },
    });
  }

  load();
  return { el };
}
