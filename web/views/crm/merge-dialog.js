// The merge dialog of the duplicate finder: which contact survives and, for each field whose
// values differ, whose value it keeps. Phones, e-mails, messengers, deals and the timeline
// of all of them move to the survivor (the server does that); the others are deleted.

import { h, mount } from '../../components/dom.js';
import { openModal } from '../../components/modal.js';
import { t } from '../../lib/i18n.js';
import { errorText, userName } from '../../lib/format.js';
import { contactName } from '../../lib/crm.js';

/** The fields `POST /api/v1/contacts/merge` lets `pick` choose, with their labels. */
const FIELDS = [
  ['last_name', 'crm.merge.field.last_name'],
  ['first_name', 'crm.merge.field.first_name'],
  ['middle_name', 'crm.merge.field.middle_name'],
  ['position', 'crm.field.position'],
  ['company_id', 'crm.field.company'],
  ['address', 'contact.address'],
  ['source', 'crm.deal.source'],
  ['responsible_id', 'contact.responsible'],
];

const blank = (value) => value === null || value === undefined || value === '';

/** Fields on which the contacts hold at least two different values (a blank counts as none). */
function differing(contacts) {
  return FIELDS.filter(([field]) => new Set(contacts.map((c) => c[field]).filter((v) => !blank(v))).size > 1);
}

/** A field's value as the reader sees it. */
function shown(ctx, field, value) {
  if (field === 'responsible_id') return userName(value);
  if (field === 'company_id') {
    const el = h('span', { text: '…' });
    ctx.names.name('company', value).then((name) => {
      el.textContent = name || '—';
    });
    return el;
  }
  return value;
}

/**
 * Opens the dialog for `contacts` (two or more); `onMerged(contact)` after the merge. `size`
 * is how many share the value, when the group holds more than can be merged at once.
 */
export function openMergeDialog(ctx, contacts, onMerged, size = contacts.length) {
  const survivors = h('fieldset', { class: 'merge-choice' }, h('legend', { text: t('crm.merge.survivor') }));
  const choices = h('div', { class: 'merge-fields' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary', text: t('crm.merge.submit') });
  const fields = differing(contacts);
  let target = contacts[0].id;

  for (const contact of contacts) {
    const radio = h('input', { type: 'radio', name: 'merge-target', value: contact.id, checked: contact.id === target });
    radio.addEventListener('change', () => {
      target = contact.id;
      drawChoices();
    });
    const reach = [...contact.phones.map((p) => p.number), ...contact.emails.map((e) => e.address)].join(', ');
    survivors.append(h('label', { class: 'merge-option' }, radio, h('span', null, h('strong', { text: contactName(contact) }), reach ? h('span', { class: 'muted', text: ` · ${reach}` }) : null)));
  }

  // The survivor's own value is chosen first; a blank one gives way to the first value found.
  function drawChoices() {
    const survivor = contacts.find((c) => c.id === target);
    mount(
      choices,
      fields.map(([field, label]) => {
        const holders = contacts.filter((c) => !blank(c[field]));
        const preferred = blank(survivor[field]) ? holders[0].id : survivor.id;
        return h(
          'fieldset',
          { class: 'merge-choice', dataset: { field } },
          h('legend', { text: t(label) }),
          holders.map((c) =>
            h('label', { class: 'merge-option' }, h('input', { type: 'radio', name: `pick-${field}`, value: c.id, checked: c.id === preferred }), h('span', null, shown(ctx, field, c[field]))),
          ),
        );
      }),
    );
  }
  drawChoices();

  const form = h(
    'form',
    {
      class: 'crm-form merge-form',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        const pick = {};
        for (const [field] of fields) pick[field] = form.querySelector(`input[name="pick-${field}"]:checked`).value;
        const sources = contacts.filter((c) => c.id !== target).map((c) => c.id);
        try {
          const merged = await ctx.crm.mergeContacts(target, sources, pick);
          modal.close();
          ctx.toast(t('crm.duplicates.merged'));
          onMerged(merged);
        } catch (failure) {
          error.textContent = errorText(failure);
          submit.disabled = false;
        }
      },
    },
    survivors,
    size > contacts.length ? h('p', { class: 'muted', text: t('crm.merge.more', { count: size - contacts.length }) }) : null,
    fields.length ? h('p', { class: 'muted', text: t('crm.merge.pick_hint') }) : null,
    choices,
    h('p', { class: 'muted', text: t('crm.merge.moves') }),
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), submit),
  );
  const modal = openModal({ title: t('crm.merge.title'), body: form });
}
