// A contact's editable fields: the name's parts, position, phones, e-mails and address. Only
// what changed is sent (PATCH /api/v1/contacts/{id}); the server normalizes phones and
// names each value it refuses, which is then marked and explained at that field.

import { h, icon } from '../../components/dom.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { clearInvalid, showFieldErrors } from './form.js';

const TEXTS = [
  ['first_name', 'contact.edit.first_name', 100],
  ['middle_name', 'contact.edit.middle_name', 100],
  ['last_name', 'contact.edit.last_name', 100],
  ['position', 'contact.edit.position', 200],
];

/** A 422 field name (`phones[1].number`, `position`) told in the reader's language. */
function problem(name) {
  if (name.startsWith('phones[')) return t('contact.edit.bad_phone');
  if (name.startsWith('emails[')) return t('contact.edit.bad_email');
  return t('contact.edit.bad_value');
}

/**
 * A list of one-line values (phones or e-mails) with add and remove buttons; each input is
 * named as the request's list item (`phones[0].number`) so a refused one can be found.
 */
function valueList({ list, key, items, legend, itemLabel, removeLabel, addLabel, type }) {
  const rows = h('div', { class: 'value-rows' });
  const add = h('button', { type: 'button', class: 'link-button small', onclick: () => addRow({}, true) }, icon('plus'), addLabel);

  function renumber() {
    [...rows.children].forEach((row, index) => {
      const input = row.querySelector('input');
      input.name = `${list}[${index}].${key}`;
      input.id = `contact-edit-${list}-${index}`;
      input.setAttribute('aria-label', t(itemLabel, { n: index + 1 }));
      row.querySelector('button').setAttribute('aria-label', t(removeLabel, { n: index + 1 }));
    });
  }

  function addRow(item, focus) {
    const input = h('input', { type, value: item[key] || '', autocomplete: 'off', maxlength: 254 });
    const row = h(
      'div',
      { class: 'field-line', dataset: item.kind ? { kind: item.kind } : {} },
      input,
      h('button', {
        type: 'button',
        class: 'icon-button',
        onclick: () => {
          if (row.nextElementSibling?.classList.contains('field-error')) row.nextElementSibling.remove();
          row.remove();
          renumber();
        },
      }, icon('close')),
    );
    rows.append(row);
    renumber();
    if (focus) input.focus();
  }

  for (const item of items) addRow(item, false);
  return {
    el: h('fieldset', { class: 'value-list' }, h('legend', { text: t(legend) }), rows, add),
    /** The typed values, blank rows dropped (and renumbered, so names match the request). */
    values() {
      for (const row of [...rows.children]) {
        if (!row.querySelector('input').value.trim()) row.remove();
      }
      renumber();
      return [...rows.children].map((row) => {
        const value = { [key]: row.querySelector('input').value.trim() };
        if (row.dataset.kind) value.kind = row.dataset.kind;
        return value;
      });
    },
  };
}

/**
 * The edit form of `contact`; `onSaved(contact)` gets the server's copy, `onCancel()` leaves
 * without saving.
 */
export function contactForm(ctx, contact, { onSaved, onCancel }) {
  const inputs = TEXTS.map(([name, label, max]) => {
    const input = h('input', { id: `contact-edit-${name}`, name, value: contact[name] || '', maxlength: max, autocomplete: 'off' });
    return { name, label, input };
  });
  const phones = valueList({
    list: 'phones',
    key: 'number',
    items: contact.phones || [],
    legend: 'contact.phones',
    itemLabel: 'contact.edit.phone_n',
    removeLabel: 'contact.edit.remove_phone',
    addLabel: t('contact.edit.add_phone'),
    type: 'tel',
  });
  const emails = valueList({
    list: 'emails',
    key: 'address',
    items: contact.emails || [],
    legend: 'contact.emails',
    itemLabel: 'contact.edit.email_n',
    removeLabel: 'contact.edit.remove_email',
    addLabel: t('contact.edit.add_email'),
    type: 'email',
  });
  const address = h('textarea', { id: 'contact-edit-address', name: 'address', rows: 2, maxlength: 500, value: contact.address || '' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'button primary', text: t('contact.edit.save') });

  function changes() {
    const out = {};
    for (const { name, input } of inputs) {
      const value = input.value.trim() || null;
      if (value !== (contact[name] || null)) out[name] = value;
    }
    const typedAddress = address.value.trim() || null;
    if (typedAddress !== (contact.address || null)) out.address = typedAddress;
    const typedPhones = phones.values();
    if (typedPhones.map((p) => p.number).join('\n') !== (contact.phones || []).map((p) => p.number).join('\n')) out.phones = typedPhones;
    const typedEmails = emails.values();
    if (typedEmails.map((e) => e.address).join('\n') !== (contact.emails || []).map((e) => e.address).join('\n')) out.emails = typedEmails;
    return out;
  }

  const form = h(
    'form',
    {
      class: 'crm-form contact-form',
      'aria-label': t('contact.edit.title'),
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        clearInvalid(form);
        error.textContent = '';
        const patch = changes();
        if (!Object.keys(patch).length) {
          onCancel();
          return;
        }
        save.disabled = true;
        try {
          const saved = await ctx.crm.updateContact(contact.id, patch);
          ctx.toast(t('contact.edit.saved'));
          onSaved(saved);
        } catch (failure) {
          save.disabled = false;
          const unplaced = showFieldErrors(form, failure.fields, problem);
          const named = Object.keys(failure.fields || {}).length;
          // Each refused value is explained at its field; the line below the form says what
          // no field does.
          error.textContent = named && !unplaced.length ? t('contact.edit.fix_fields') : errorText(failure);
          form.querySelector('[aria-invalid="true"]')?.focus();
        }
      },
    },
    inputs.map(({ label, input }) => [h('label', { for: input.id, text: t(label) }), input]),
    phones.el,
    emails.el,
    h('label', { for: address.id, text: t('contact.address') }),
    address,
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => onCancel() }), save),
  );
  return form;
}
