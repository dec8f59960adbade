// The "New lead" dialog of the leads list: what is known of the request (at least one of
// title, name, phone, e-mail or company, which the server checks); the card opens after.

import { h } from '../../components/dom.js';
import { openModal } from '../../components/modal.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { navigate } from '../../lib/router.js';
import { markInvalid, clearInvalid } from './form.js';

/** A lead's own text fields: name, the label's key, the input type, the server's length limit. */
export const LEAD_FIELDS = [
  ['title', 'crm.lead.field.title', 'text', 300],
  ['name', 'crm.field.name', 'text', 300],
  ['phone', 'crm.lead.field.phone', 'tel', 40],
  ['email', 'crm.lead.field.email', 'email', 320],
  ['company_name', 'crm.field.company', 'text', 300],
  ['source', 'crm.deal.source', 'text', 200],
];

export function openNewLead(ctx) {
  const inputs = LEAD_FIELDS.map(([name, , type, maxlength]) => h('input', { id: `new-lead-${name}`, name, type, maxlength, autocomplete: 'off' }));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary', text: t('crm.lead.create') });
  const form = h(
    'form',
    {
      class: 'crm-form',
      onsubmit: async (event) => {
        event.preventDefault();
        clearInvalid(form);
        error.textContent = '';
        const body = {};
        for (const input of inputs) if (input.value.trim()) body[input.name] = input.value.trim();
        submit.disabled = true;
        try {
          const lead = await ctx.crm.createLead(body);
          modal.close();
          navigate('crm-lead', { id: lead.id });
        } catch (failure) {
          markInvalid(form, failure.fields);
          error.textContent = errorText(failure);
          submit.disabled = false;
        }
      },
    },
    LEAD_FIELDS.map(([name, label], index) => [h('label', { for: `new-lead-${name}`, text: t(label) }), inputs[index]]),
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), submit),
  );
  const modal = openModal({ title: t('crm.lead.new'), body: form });
}
