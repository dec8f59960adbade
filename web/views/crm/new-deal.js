// The "New deal" dialog: title, amount and currency, stage, expected close and the custom
// fields required of the user (the server refuses the deal without them); from the board in
// its pipeline, or for one contact (the conversation's contact panel) in a pipeline chosen
// here. A value the server rejects is marked at its field.

import { h } from '../../components/dom.js';
import { openModal } from '../../components/modal.js';
import { t, lang } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { contactName } from '../../lib/crm.js';
import { markInvalid, clearInvalid } from './form.js';
import { customFieldInputs } from './custom-fields.js';

const CURRENCY_KEY = 'sb.crm.currency';

function lastCurrency() {
  try {
    return localStorage.getItem(CURRENCY_KEY) || (lang() === 'ru' ? 'RUB' : 'USD');
  } catch {
    return 'USD';
  }
}

/**
 * `contact` presets the deal's contact; `pipelines` (all of them) adds a pipeline menu that
 * starts at `pipeline`.
 */
export function openNewDeal(ctx, pipeline, onCreated, { contact = null, pipelines = null } = {}) {
  const title = h('input', { id: 'new-deal-title', name: 'title', required: true, maxlength: 300, autocomplete: 'off' });
  const amount = h('input', { id: 'new-deal-amount', name: 'amount', inputmode: 'decimal', placeholder: '0', autocomplete: 'off' });
  const currency = h('input', { id: 'new-deal-currency', name: 'currency', maxlength: 3, value: lastCurrency(), autocomplete: 'off', class: 'currency-field' });
  const stage = h('select', { id: 'new-deal-stage', name: 'stage_id' });
  const stagesOf = (chosen) => chosen.stages.map((s) => h('option', { value: s.id, text: s.name }));
  stage.replaceChildren(...stagesOf(pipeline));
  const pipelineMenu =
    pipelines?.length > 1
      ? h(
          'select',
          {
            id: 'new-deal-pipeline',
            name: 'pipeline_id',
            onchange: () => {
              pipeline = pipelines.find((p) => p.id === pipelineMenu.value);
              stage.replaceChildren(...stagesOf(pipeline));
            },
          },
          pipelines.map((p) => h('option', { value: p.id, text: p.name })),
        )
      : null;
  if (pipelineMenu) pipelineMenu.value = pipeline.id;
  const close = h('input', { id: 'new-deal-close', name: 'expected_close', type: 'date' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  // Nothing is sent before the required custom fields are on the form.
  const submit = h('button', { type: 'submit', class: 'button primary', text: t('crm.deal.create'), disabled: true });
  const custom = customFieldInputs(ctx, 'deal');
  custom.ready
    .catch((failure) => {
      // Without the definitions the server still names a missing field when it refuses.
      error.textContent = errorText(failure);
    })
    .finally(() => {
      submit.disabled = false;
    });
  const form = h(
    'form',
    {
      class: 'crm-form',
      onsubmit: async (event) => {
        event.preventDefault();
        clearInvalid(form);
        custom.clearErrors();
        error.textContent = '';
        if (!title.value.trim()) {
          markInvalid(form, { title: true });
          error.textContent = t('crm.deal.title_required');
          title.focus();
          return;
        }
        submit.disabled = true;
        const body = {
          title: title.value.trim(),
          currency: currency.value.trim().toUpperCase(),
          pipeline_id: pipeline.id,
          stage_id: stage.value,
        };
        if (contact) body.contact_id = contact.id;
        if (amount.value.trim()) body.amount = amount.value.trim().replace(',', '.');
        if (close.value) body.expected_close = close.value;
        const values = custom.values();
        if (Object.keys(values).length) body.custom = values;
        try {
          const deal = await ctx.crm.createDeal(body);
          try {
            localStorage.setItem(CURRENCY_KEY, deal.currency);
          } catch {
            // Only a convenience for the next deal.
          }
          modal.close();
          ctx.toast(t('crm.deal.created', { title: deal.title }));
          onCreated(deal);
        } catch (failure) {
          markInvalid(form, failure.fields);
          error.textContent = custom.showErrors(failure) ? t('custom.check_marked') : errorText(failure);
          submit.disabled = false;
        }
      },
    },
    contact ? h('p', { class: 'muted', text: t('crm.deal.for_contact', { name: contactName(contact) }) }) : null,
    h('label', { for: title.id, text: t('crm.deal.title') }),
    title,
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'form-cell grow' }, h('label', { for: amount.id, text: t('crm.deal.amount') }), amount),
      h('div', { class: 'form-cell' }, h('label', { for: currency.id, text: t('crm.deal.currency') }), currency),
    ),
    pipelineMenu ? [h('label', { for: pipelineMenu.id, text: t('crm.pipeline.label') }), pipelineMenu] : null,
    h('label', { for: stage.id, text: t('crm.deal.stage') }),
    stage,
    h('label', { for: close.id, text: t('crm.deal.expected_close') }),
    close,
    custom.el,
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), submit),
  );
  const modal = openModal({ title: t('crm.deal.new'), body: form });
  title.focus();
}
