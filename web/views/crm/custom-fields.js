// The custom fields of a contact, company, deal or lead, for any card: the fields the user's
// role sees (the API lists only those, and a record carries only their values), each with
// the input its type takes where the role may change it and as plain text where it may not.
// Changes are saved through the record's PATCH with only the keys changed; a value the server
// refuses is explained next to its field and nothing is saved. `customFieldInputs` gives the
// same inputs to a form that creates a record (the new-deal dialog).

import { h, mount } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t, lang } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { calendarDate, contactName, debounce, leadLabel } from '../../lib/crm.js';
import { notice } from './parts.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Cards of linked records: route and path; leads have no card. */
const CARDS = { contact: 'crm-contact', company: 'crm-company', deal: 'crm-deal' };
const PATHS = { contact: 'contacts', company: 'companies', deal: 'deals', lead: 'leads' };

function role() {
  return store.state.session.user.role;
}

export function mayEdit(definition) {
  return definition.editable_by.includes(role());
}

/** A linked record's name in words, `null` when the user may not open it. */
function recordName(ctx, kind, recordId) {
  if (kind === 'contact' || kind === 'company') return ctx.names.name(kind, recordId);
  const load = kind === 'deal' ? ctx.crm.deal(recordId).then((deal) => deal.title) : ctx.crm.lead(recordId).then(leadLabel);
  return load.catch(() => null);
}

/** Records of `kind` matching `q`, as `[id, name]`. */
async function search(ctx, kind, q) {
  const page = await ctx.crm[PATHS[kind]]({ q, limit: 10 });
  const name = { contact: contactName, company: (c) => c.name, deal: (d) => d.title, lead: leadLabel }[kind];
  return page.items.map((item) => [item.id, name(item)]);
}

function linkText(ctx, kind, recordId) {
  const route = CARDS[kind];
  const el = route
    ? h('a', { href: `/crm/${PATHS[kind]}/${recordId}`, class: 'record-link', onclick: followLink(route, { id: recordId }) }, '…')
    : h('span', null, '…');
  recordName(ctx, kind, recordId).then((text) => {
    el.textContent = text || recordId;
  });
  return el;
}

/** A stored value in words, for a field the role may only read. */
function shown(ctx, definition, value) {
  if (value === undefined || value === null) return h('span', { class: 'muted', text: t('custom.no_value') });
  switch (definition.type) {
    case 'date':
      return calendarDate(value);
    case 'boolean':
      return value ? t('custom.yes') : t('custom.no');
    case 'link':
      return linkText(ctx, definition.link_entity, value);
    default:
      return String(value);
  }
}

let counter = 0;

/**
 * One field: its label, its input (or its value as text when `editable` is false) and the
 * place for the server's complaint about it. `fresh`: a form creating a record, where an
 * unticked box means "no" rather than "not given".
 */
function fieldEditor(ctx, definition, value, { editable, fresh = false }) {
  counter += 1;
  const id = `custom-${definition.key}-${counter}`;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  // The mark is for the eye; a screen reader hears "required" instead.
  const label = () => [definition.label, definition.required ? [h('span', { class: 'required-mark', 'aria-hidden': 'true', text: ' *' }), h('span', { class: 'visually-hidden', text: ` ${t('custom.required')}` })] : null];
  const row = h('div', { class: ['custom-field', `custom-${definition.type}`, !editable && 'read-only'], dataset: { key: definition.key } });
  if (!editable) {
    const labelId = `${id}-label`;
    mount(
      row,
      h('span', { class: 'custom-label', id: labelId }, label()),
      h('span', { class: 'custom-value', role: 'group', 'aria-labelledby': labelId }, shown(ctx, definition, value)),
      h('span', { class: 'custom-lock muted', text: t('custom.read_only') }),
    );
    return { definition, el: row, editable, changed: () => false, read: () => value, setError() {}, clearError() {}, focus() {} };
  }
  const props = { id, name: `custom.${definition.key}`, 'aria-describedby': error.id, required: definition.required && fresh };
  let control;
  let read;
  let extra = null;
  switch (definition.type) {
    case 'number':
      control = h('input', { ...props, inputmode: 'decimal', autocomplete: 'off', value: value ?? '' });
      // Sent as text, so every digit reaches the server; a decimal comma is a point.
      read = () => control.value.trim().replace(',', '.') || null;
      break;
    case 'date':
      control = h('input', { ...props, type: 'date', value: value ?? '' });
      read = () => control.value || null;
      break;
    case 'list': {
      const options = [...definition.options];
      // A choice taken out of the list stays on the records that hold it.
      if (value && !options.includes(value)) options.push(value);
      control = h('select', props, h('option', { value: '', text: t('custom.not_chosen') }), options.map((option) => h('option', { value: option, text: option })));
      control.value = value ?? '';
      read = () => control.value || null;
      break;
    }
    case 'boolean':
      control = h('input', { ...props, type: 'checkbox', checked: value === true });
      read = () => (control.checked ? true : fresh || value !== undefined ? false : null);
      break;
    case 'link': {
      const listId = `${id}-records`;
      const records = h('datalist', { id: listId });
      control = h('input', { ...props, list: listId, autocomplete: 'off', spellcheck: 'false', class: 'mono', placeholder: t('custom.link_placeholder'), value: value ?? '' });
      const name = h('span', { class: 'custom-link-name' }, value ? linkText(ctx, definition.link_entity, value) : null);
      const suggest = debounce(async () => {
        const typed = control.value.trim();
        if (!typed || UUID.test(typed)) return;
        try {
          const found = await search(ctx, definition.link_entity, typed);
          mount(records, found.map(([recordId, text]) => h('option', { value: recordId, label: text })));
        } catch {
          mount(records); // Suggestions only; the id can still be typed.
        }
      });
      control.addEventListener('input', suggest);
      control.addEventListener('change', () => {
        const typed = control.value.trim();
        mount(name, UUID.test(typed) ? linkText(ctx, definition.link_entity, typed) : null);
      });
      extra = [records, name];
      read = () => control.value.trim() || null;
      break;
    }
    default:
      control = h('input', { ...props, maxlength: 4000, autocomplete: 'off', value: value ?? '' });
      read = () => control.value.trim() || null;
  }
  const labelEl = h('label', { for: id, class: 'custom-label' }, label());
  if (definition.type === 'boolean') mount(row, h('div', { class: 'check-row' }, control, labelEl), error);
  else mount(row, labelEl, control, extra, error);
  return {
    definition,
    el: row,
    editable,
    read,
    changed: () => read() !== (value ?? null),
    setError(message) {
      error.textContent = message;
      error.hidden = false;
      control.setAttribute('aria-invalid', 'true');
    },
    clearError() {
      error.textContent = '';
      error.hidden = true;
      control.removeAttribute('aria-invalid');
    },
    focus: () => control.focus(),
  };
}

/**
 * Puts each `custom.<key>` complaint of a failed request next to its field; true when every
 * complaint found its field (the form then only needs to point at them).
 */
/**
 * The server's complaint in the reader's language: its English text is exact (it quotes the
 * value), so English readers get it as is; others get what is expected of the field's type.
 */
function complaint(definition, message) {
  if (lang() === 'en') return message;
  if (message === 'is required') return t('custom.error.required');
  return t(`custom.error.${definition.type}`);
}

function placeErrors(editors, failure) {
  const entries = Object.entries(failure?.fields || {});
  const placed = [];
  for (const [name, message] of entries) {
    const editor = editors.find((e) => `custom.${e.definition.key}` === name);
    if (!editor) continue;
    editor.setError(complaint(editor.definition, message));
    placed.push(editor);
  }
  // The first refused field gets the focus, so its complaint is read out with it.
  placed[0]?.focus();
  return entries.length > 0 && placed.length === entries.length;
}

/** The empty state: no field is defined yet; admins get the way to define some. */
function noFields(entity) {
  const admin = role() === 'admin';
  return h(
    'div',
    { class: 'custom-empty' },
    h('p', { class: 'section-empty', text: t('custom.empty') }),
    admin
      ? h('a', { href: `/admin/fields/${entity}`, class: 'record-link', onclick: followLink('admin', { page: 'fields', id: entity }), text: t('custom.define') })
      : null,
  );
}

/**
 * The section of a record's card. `ctx` is a CRM page's (`crm` from lib/crm.js, `names` from
 * `createNames`, `toast`). `entity` is contact, company, deal or lead; `save(patch)`
 * sends the record's PATCH and resolves with the record as stored; `onSaved(record)` hears it.
 */
export function customFieldsSection(ctx, { entity, record, save, onSaved }) {
  counter += 1;
  const titleId = `custom-title-${counter}`;
  const body = h('div', null, notice(t('room.loading')));
  const el = h('section', { class: 'crm-section custom-fields', 'aria-labelledby': titleId }, h('h2', { class: 'crm-section-title', id: titleId, text: t('custom.title') }), body);
  let definitions = [];
  let current = record;

  function render() {
    if (!definitions.length) {
      mount(body, noFields(entity));
      return;
    }
    const values = current.custom || {};
    const editors = definitions.map((definition) => fieldEditor(ctx, definition, values[definition.key], { editable: mayEdit(definition) }));
    const status = h('p', { class: 'form-error', role: 'alert' });
    const button = h('button', { type: 'submit', class: 'button primary', text: t('custom.save') });
    const form = h(
      'form',
      {
        class: 'crm-form custom-form',
        'aria-labelledby': titleId,
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          status.textContent = '';
          for (const editor of editors) editor.clearError();
          const custom = {};
          for (const editor of editors) if (editor.editable && editor.changed()) custom[editor.definition.key] = editor.read();
          if (!Object.keys(custom).length) {
            ctx.toast(t('custom.unchanged'));
            return;
          }
          button.disabled = true;
          try {
            current = await save({ custom });
            ctx.toast(t('custom.saved'));
            render();
            // The form was drawn anew: the focus stays on its button rather than leaving the page.
            body.querySelector('button[type="submit"]')?.focus();
            onSaved?.(current);
          } catch (failure) {
            status.textContent = placeErrors(editors, failure) ? t('custom.check_marked') : errorText(failure);
            button.disabled = false;
          }
        },
      },
      editors.map((editor) => editor.el),
      status,
      editors.some((editor) => editor.editable) ? h('div', { class: 'form-actions' }, button) : null,
    );
    mount(body, form);
  }

  ctx.crm.customFields(entity).then(
    (list) => {
      definitions = list;
      render();
    },
    (error) => mount(body, notice(errorText(error), { role: 'alert' })),
  );
  return el;
}

/**
 * The inputs of the fields a new record of `entity` needs: those required of the user's role
 * (the server refuses the record without them). `el` is filled once the definitions arrive;
 * `ready` resolves then. `values()` is the record's `custom`; `showErrors(failure)` puts the
 * server's complaints next to their fields and says whether all found one.
 */
export function customFieldInputs(ctx, entity) {
  const el = h('div', { class: 'custom-inputs' });
  let editors = [];
  const ready = ctx.crm.customFields(entity).then((list) => {
    editors = list.filter((definition) => definition.required && mayEdit(definition)).map((definition) => fieldEditor(ctx, definition, undefined, { editable: true, fresh: true }));
    mount(el, editors.map((editor) => editor.el));
  });
  return {
    el,
    ready,
    values() {
      const custom = {};
      for (const editor of editors) {
        const value = editor.read();
        if (value !== null) custom[editor.definition.key] = value;
      }
      return custom;
    },
    showErrors: (failure) => placeErrors(editors, failure),
    clearErrors() {
      for (const editor of editors) editor.clearError();
    },
  };
}
