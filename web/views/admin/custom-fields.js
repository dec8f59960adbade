// Custom fields of contacts, companies, leads and deals: a tab per kind of record, its fields
// in display order, and a dialog to define or change one (type with its list choices or the
// kind of record a link points at, required, who sees and who changes it). The key, type and
// link target are fixed once defined, as the API requires. Deleting a field deletes its values
// from every record, so the confirmation says so.

import { h, icon, mount } from '../../components/dom.js';
import { confirmDialog } from '../../components/modal.js';
import { t } from '../../lib/i18n.js';
import { adminError, emptyState, field, formDialog, loading, pageHeader, ROLES, select } from '../../lib/admin.js';

export const ENTITIES = ['contact', 'company', 'lead', 'deal'];
const TYPES = ['text', 'number', 'date', 'list', 'boolean', 'link'];
// Viewers never change records, so they are never offered as editors.
const EDITORS = ROLES.filter((role) => role !== 'viewer');

const LABELS = () => ({
  label: t('fields.label'),
  key: t('fields.key'),
  type: t('fields.type'),
  options: t('fields.options'),
  link_entity: t('fields.link_entity'),
  visible_to: t('fields.visible_to'),
  editable_by: t('fields.editable_by'),
  entity: t('fields.entity'),
});

// Russian letters in Latin, so a key can be suggested from a Russian name too.
const LATIN = Object.fromEntries(
  [...'абвгдеёжзийклмнопрстуфхцчшщъыьэюя'].map((letter, index) =>
    [letter, ['a', 'b', 'v', 'g', 'd', 'e', 'e', 'zh', 'z', 'i', 'y', 'k', 'l', 'm', 'n', 'o', 'p', 'r', 's', 't', 'u', 'f', 'kh', 'ts', 'ch', 'sh', 'shch', '', 'y', '', 'e', 'yu', 'ya'][index]],
  ),
);

/** A key from a label: latin letters, digits and "_", as the API takes them. */
function suggestKey(label) {
  return [...label.toLowerCase()]
    .map((letter) => LATIN[letter] ?? letter)
    .join('')
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 64);
}

export function typeText(definition) {
  const type = t(`fields.type_${definition.type}`);
  if (definition.type === 'list') return `${type}: ${definition.options.join(', ')}`;
  if (definition.type === 'link') return `${type} → ${t(`fields.entity_${definition.link_entity}`)}`;
  return type;
}

function rolesText(roles) {
  return roles.map((role) => t(`role.${role}`)).join(', ');
}

export function customFieldsPage(ctx, scope, initial) {
  let entity = ENTITIES.includes(initial) ? initial : ENTITIES[0];
  const status = h('p', { class: 'form-error', role: 'alert' });
  const panel = h('div', { class: 'admin-body', role: 'tabpanel', id: 'fields-panel', tabindex: '0' }, loading());
  const tabs = ENTITIES.map((kind) =>
    h('button', {
      type: 'button',
      role: 'tab',
      id: `fields-tab-${kind}`,
      class: 'fields-tab',
      'aria-controls': 'fields-panel',
      text: t(`fields.tab_${kind}`),
      onclick: () => choose(kind),
      onkeydown: (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (!step) return;
        event.preventDefault();
        const next = ENTITIES[(ENTITIES.indexOf(kind) + step + ENTITIES.length) % ENTITIES.length];
        choose(next);
        tabs[ENTITIES.indexOf(next)].focus();
      },
    }),
  );
  const el = h(
    'section',
    { class: 'admin-page admin-fields' },
    pageHeader(t('admin.page_fields'), t('fields.intro'), h('button', { type: 'button', class: 'button primary', text: t('fields.new'), onclick: () => openForm() })),
    h('div', { class: 'fields-tabs', role: 'tablist', 'aria-label': t('fields.entities') }, tabs),
    status,
    panel,
  );
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  function choose(kind) {
    entity = kind;
    tabs.forEach((tab, index) => {
      const selected = ENTITIES[index] === kind;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      tab.classList.toggle('active', selected);
    });
    panel.setAttribute('aria-labelledby', `fields-tab-${kind}`);
    load();
  }

  async function load() {
    status.textContent = '';
    mount(panel, loading());
    const shown = entity;
    try {
      const definitions = await ctx.admin.customFields(shown);
      if (alive && shown === entity) render(definitions);
    } catch (error) {
      if (alive && shown === entity) mount(panel, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  function render(definitions) {
    if (!definitions.length) {
      mount(panel, emptyState(t('fields.empty'), t('fields.empty_body', { entities: t(`fields.tab_${entity}`) })));
      return;
    }
    const columns = ['fields.label', 'fields.type', 'fields.required', 'fields.visible_to', 'fields.editable_by', 'admin.col_actions'];
    mount(
      panel,
      h(
        'table',
        { class: 'admin-table fields-table' },
        h('caption', { class: 'visually-hidden', text: t('fields.caption', { entities: t(`fields.tab_${entity}`) }) }),
        h('thead', null, h('tr', null, columns.map((key) => h('th', { scope: 'col', text: t(key) })))),
        h('tbody', null, definitions.map(row)),
      ),
    );
  }

  function row(definition) {
    return h(
      'tr',
      { class: 'admin-row', dataset: { key: definition.key } },
      h('th', { scope: 'row' }, h('span', { class: 'field-label', text: definition.label }), ' ', h('code', { class: 'muted', text: definition.key })),
      h('td', { class: 'field-type', text: typeText(definition) }),
      h('td', null, definition.required ? h('span', { class: 'status-pill warn', text: t('fields.required_yes') }) : h('span', { class: 'muted', text: t('fields.required_no') })),
      h('td', { class: 'field-visible', text: rolesText(definition.visible_to) }),
      h('td', { class: 'field-editable', text: rolesText(definition.editable_by) }),
      h(
        'td',
        { class: 'admin-actions' },
        h('button', { type: 'button', class: 'icon-button small', 'aria-label': t('admin.edit_named', { name: definition.label }), title: t('admin.edit'), onclick: () => openForm(definition) }, icon('edit')),
        h('button', { type: 'button', class: 'icon-button small danger', 'aria-label': t('admin.delete_named', { name: definition.label }), title: t('admin.delete'), onclick: () => remove(definition) }, icon('trash')),
      ),
    );
  }

  async function remove(definition) {
    const kind = definition.entity;
    const sure = await confirmDialog({
      title: t('fields.delete_title', { name: definition.label }),
      message: t('fields.delete_body', { entities: t(`fields.tab_${kind}`) }),
      confirm: t('admin.delete'),
      danger: true,
    });
    if (!sure) return;
    try {
      await ctx.admin.deleteCustomField(kind, definition.id);
      ctx.toast(t('fields.deleted', { name: definition.label }));
    } catch (error) {
      status.textContent = adminError(error, LABELS());
    }
    if (alive) await load();
  }

  /** Role checkboxes: admins always see and change a field, so theirs is fixed. */
  function roleBoxes(name, roles, chosen) {
    const boxes = new Map();
    const group = h(
      'fieldset',
      { class: 'role-boxes' },
      h('legend', { text: t(`fields.${name}`) }),
      roles.map((role) => {
        const box = h('input', { type: 'checkbox', id: `field-${name}-${role}`, name: `${name}-${role}`, checked: role === 'admin' || chosen.includes(role), disabled: role === 'admin' });
        boxes.set(role, box);
        return h('label', { class: 'check', for: box.id }, box, h('span', { text: t(`role.${role}`) }));
      }),
    );
    const checked = () => roles.filter((role) => boxes.get(role).checked);
    return { group, boxes, checked };
  }

  /** Defines a field of the chosen kind of record, or changes `existing`. */
  function openForm(existing) {
    const kind = existing?.entity || entity;
    const label = h('input', { required: true, autofocus: true, maxlength: 200, autocomplete: 'off', value: existing?.label || '' });
    const key = h('input', { class: 'mono', required: !existing, disabled: Boolean(existing), maxlength: 64, autocomplete: 'off', spellcheck: 'false', pattern: '[a-z][a-z0-9_]*', value: existing?.key || '' });
    let keyTyped = Boolean(existing);
    key.addEventListener('input', () => {
      keyTyped = true;
    });
    label.addEventListener('input', () => {
      if (!keyTyped) key.value = suggestKey(label.value);
    });
    const type = select(TYPES.map((name) => [name, t(`fields.type_${name}`)]), existing?.type || 'text', { disabled: Boolean(existing) });
    const options = h('textarea', { rows: 4 });
    options.value = (existing?.options || []).join('\n');
    const linkEntity = select(ENTITIES.map((name) => [name, t(`fields.entity_${name}`)]), existing?.link_entity || 'contact', { disabled: Boolean(existing) });
    const optionsField = field(t('fields.options'), options, t('fields.options_hint'));
    const linkField = field(t('fields.link_entity'), linkEntity);
    const required = h('input', { type: 'checkbox', id: 'field-required', checked: Boolean(existing?.required) });
    const visible = roleBoxes('visible_to', ROLES, existing?.visible_to || ROLES);
    const editable = roleBoxes('editable_by', EDITORS, existing?.editable_by || EDITORS);
    // Whoever changes a value must see it.
    const sync = () => {
      for (const role of EDITORS) {
        if (role === 'admin') continue;
        const box = editable.boxes.get(role);
        const sees = visible.boxes.get(role).checked;
        box.disabled = !sees;
        if (!sees) box.checked = false;
      }
      optionsField.hidden = type.value !== 'list';
      linkField.hidden = type.value !== 'link';
    };
    for (const box of visible.boxes.values()) box.addEventListener('change', sync);
    type.addEventListener('change', sync);
    sync();
    const choices = () =>
      options.value
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
    formDialog({
      title: existing ? t('admin.edit_named', { name: existing.label }) : t('fields.new_for', { entities: t(`fields.tab_${kind}`) }),
      submit: existing ? t('admin.save') : t('admin.create'),
      labels: LABELS(),
      className: 'field-dialog',
      fields: [
        field(t('fields.label'), label),
        field(t('fields.key'), key, existing ? t('fields.key_fixed') : t('fields.key_hint')),
        field(t('fields.type'), type, existing ? t('fields.type_fixed') : null),
        optionsField,
        linkField,
        h('div', { class: 'check-row' }, required, h('label', { for: required.id, text: t('fields.required_label') })),
        h('p', { class: 'hint', text: t('fields.required_hint') }),
        visible.group,
        editable.group,
      ],
      onSubmit: async () => {
        const body = {
          label: label.value.trim(),
          required: required.checked,
          visible_to: visible.checked(),
          editable_by: editable.checked(),
        };
        if (type.value === 'list') body.options = choices();
        if (existing) {
          await ctx.admin.updateCustomField(kind, existing.id, body);
        } else {
          body.key = key.value.trim();
          body.type = type.value;
          if (type.value === 'link') body.link_entity = linkEntity.value;
          await ctx.admin.createCustomField(kind, body);
        }
        ctx.toast(t('admin.saved', { name: body.label }));
        if (alive && kind === entity) await load();
      },
    });
  }

  choose(entity);
  return { el };
}
