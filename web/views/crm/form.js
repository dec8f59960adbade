// Form helpers of the CRM pages: marking the fields the server named in a 422 (and saying
// what is wrong next to each), and the menu of people a record can be given to.

import { h } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { userName } from '../../lib/format.js';

/** Marks `[name=…]` of every field in `fields` (the error's `fields` object) invalid. */
export function markInvalid(form, fields) {
  for (const name of Object.keys(fields || {})) {
    const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
    field?.setAttribute('aria-invalid', 'true');
  }
}

export function clearInvalid(form) {
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  }
  // Only the notes placed below; other parts of a form (custom fields) keep their own.
  for (const note of form.querySelectorAll('.field-error[data-placed]')) note.remove();
}

/**
 * Marks the fields the server named and says under each what is wrong, tied to the field
 * with `aria-describedby`; `message(name)` words it in the reader's language (the server's
 * text is English). Returns the names no field of the form carries.
 */
export function showFieldErrors(form, fields, message) {
  markInvalid(form, fields);
  const unplaced = [];
  for (const name of Object.keys(fields || {})) {
    const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!field) {
      unplaced.push(name);
      continue;
    }
    const note = h('p', { class: 'field-error', id: `${field.id}-error`, dataset: { placed: '' }, text: message(name) });
    field.setAttribute('aria-describedby', note.id);
    (field.closest('.field-line') || field).after(note);
  }
  return unplaced;
}

/**
 * A menu of the people the app knows (everyone for admins, oneself otherwise) with the
 * current one kept even when unknown.
 */
export function userSelect(props, selectedId) {
  const people = [...store.state.users.values()]
    .filter((u) => !u.deactivated_at)
    .sort((a, b) => a.display_name.localeCompare(b.display_name, store.state.lang));
  const options = people.map((u) => h('option', { value: u.id, text: u.display_name }));
  if (selectedId && !people.some((u) => u.id === selectedId)) options.unshift(h('option', { value: selectedId, text: userName(selectedId) }));
  if (!selectedId) options.unshift(h('option', { value: '', text: t('crm.deal.no_responsible') }));
  const select = h('select', props, options);
  select.value = selectedId || '';
  return select;
}
