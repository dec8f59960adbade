// "Convert" on a lead's card: the pipeline and stage of the new deal, its title and amount,
// and the contact — made from the lead, or one that exists. The server does it all in one
// transaction; the page then opens the deal.

import { h, mount } from '../../components/dom.js';
import { openModal } from '../../components/modal.js';
import { t, lang } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { navigate } from '../../lib/router.js';
import { contactName, debounce, leadLabel } from '../../lib/crm.js';
import { markInvalid, clearInvalid } from './form.js';

export function openConvertLead(ctx, lead) {
  const pipeline = h('select', { id: 'convert-pipeline', name: 'pipeline_id' });
  const stage = h('select', { id: 'convert-stage', name: 'stage_id' });
  const title = h('input', { id: 'convert-title', name: 'title', maxlength: 300, value: leadLabel(lead) });
  const amount = h('input', { id: 'convert-amount', name: 'amount', inputmode: 'decimal', placeholder: '0', autocomplete: 'off' });
  const currency = h('input', { id: 'convert-currency', name: 'currency', maxlength: 3, value: lang() === 'ru' ? 'RUB' : 'USD', class: 'currency-field' });
  const makeNew = h('input', { type: 'radio', name: 'contact-mode', value: 'new', checked: true });
  const useExisting = h('input', { type: 'radio', name: 'contact-mode', value: 'existing' });
  const search = h('input', { id: 'convert-contact-search', type: 'search', autocomplete: 'off', disabled: true });
  const contact = h('select', { id: 'convert-contact', name: 'contact_id', disabled: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary', text: t('crm.lead.convert') });
  let pipelines = [];

  function drawStages() {
    const chosen = pipelines.find((p) => p.id === pipeline.value);
    // A new deal starts in a working stage, never as won or lost.
    mount(stage, (chosen?.stages || []).filter((s) => s.meaning === 'open').map((s) => h('option', { value: s.id, text: s.name })));
  }
  pipeline.addEventListener('change', drawStages);

  ctx.crm.pipelines().then(
    (all) => {
      pipelines = all;
      mount(pipeline, all.map((p) => h('option', { value: p.id, text: p.name })));
      pipeline.value = (all.find((p) => p.is_default) || all[0])?.id || '';
      drawStages();
    },
    (failure) => {
      error.textContent = errorText(failure);
    },
  );

  const findContacts = debounce(async () => {
    const q = search.value.trim();
    if (!q) {
      mount(contact);
      return;
    }
    try {
      const page = await ctx.crm.contacts({ q, limit: 20 });
      mount(contact, page.items.length ? page.items.map((c) => h('option', { value: c.id, text: contactName(c) })) : h('option', { value: '', text: t('crm.contacts.none_found') }));
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  });
  search.addEventListener('input', findContacts);
  for (const radio of [makeNew, useExisting]) {
    radio.addEventListener('change', () => {
      search.disabled = contact.disabled = !useExisting.checked;
      if (useExisting.checked) search.focus();
    });
  }

  const form = h(
    'form',
    {
      class: 'crm-form',
      onsubmit: async (event) => {
        event.preventDefault();
        clearInvalid(form);
        error.textContent = '';
        const body = { pipeline_id: pipeline.value, stage_id: stage.value, currency: currency.value.trim().toUpperCase() };
        if (title.value.trim()) body.title = title.value.trim();
        if (amount.value.trim()) body.amount = amount.value.trim().replace(',', '.');
        if (useExisting.checked) {
          if (!contact.value) {
            markInvalid(form, { contact_id: true });
            error.textContent = t('crm.convert.pick_contact');
            return;
          }
          body.contact_id = contact.value;
        }
        submit.disabled = true;
        try {
          const result = await ctx.crm.convertLead(lead.id, body);
          modal.close();
          ctx.toast(t('crm.convert.done', { title: result.deal.title }));
          navigate('crm-deal', { id: result.deal.id });
        } catch (failure) {
          markInvalid(form, failure.fields);
          error.textContent = errorText(failure);
          submit.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'form-cell grow' }, h('label', { for: pipeline.id, text: t('crm.convert.pipeline') }), pipeline),
      h('div', { class: 'form-cell grow' }, h('label', { for: stage.id, text: t('crm.deal.stage') }), stage),
    ),
    h('label', { for: title.id, text: t('crm.deal.title') }),
    title,
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'form-cell grow' }, h('label', { for: amount.id, text: t('crm.deal.amount') }), amount),
      h('div', { class: 'form-cell' }, h('label', { for: currency.id, text: t('crm.deal.currency') }), currency),
    ),
    h(
      'fieldset',
      { class: 'merge-choice' },
      h('legend', { text: t('crm.deal.contact') }),
      h('label', { class: 'merge-option' }, makeNew, h('span', { text: t('crm.convert.new_contact') })),
      h('label', { class: 'merge-option' }, useExisting, h('span', { text: t('crm.convert.existing_contact') })),
      h('label', { for: search.id, class: 'visually-hidden', text: t('crm.convert.search_contact') }),
      search,
      h('label', { for: contact.id, class: 'visually-hidden', text: t('crm.convert.contact') }),
      contact,
    ),
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), submit),
  );
  search.placeholder = t('crm.convert.search_contact');
  const modal = openModal({ title: t('crm.convert.title'), body: form });
}
