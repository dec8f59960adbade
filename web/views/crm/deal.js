// A deal's card: its fields, editable (title, amount, stage, probability, expected close,
// responsible), its custom fields, the contact and company it belongs to, and its timeline
// with comments.

import { h, icon, mount } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { money, calendarDate, shortDateTime } from '../../lib/crm.js';
import { notice, fields, timelineSection } from './parts.js';
import { markInvalid, clearInvalid, userSelect } from './form.js';
import { customFieldsSection } from './custom-fields.js';

export function dealView(ctx, scope, route) {
  const dealId = route.params.id;
  const el = h('div', { class: 'crm-card-page' });
  let alive = true;
  let timelineScope = null;
  scope.cleanup(() => {
    alive = false;
    timelineScope?.dispose();
  });

  async function start() {
    mount(el, notice(t('room.loading')));
    try {
      const [deal, pipelines] = await Promise.all([ctx.crm.deal(dealId), ctx.crm.pipelines()]);
      if (alive) render(deal, pipelines);
    } catch (error) {
      if (!alive) return;
      mount(el, backLink(), h('div', { class: 'empty-state' }, icon('alert'), h('h2', { text: t('crm.deal.unavailable') }), h('p', { text: errorText(error) })));
    }
  }

  function backLink() {
    return h('a', { href: '/crm/deals', class: 'back-link', onclick: followLink('crm-deals') }, t('crm.deal.back'));
  }

  function render(deal, pipelines) {
    const pipeline = pipelines.find((p) => p.id === deal.pipeline_id) || { stages: [] };
    const stage = pipeline.stages.find((s) => s.id === deal.stage_id);
    const header = h(
      'header',
      { class: 'crm-card-header' },
      backLink(),
      h('h1', { class: 'crm-title', text: deal.title }),
      h(
        'p',
        { class: 'crm-card-subtitle' },
        h('span', { class: ['stage-chip', `stage-${stage?.meaning || 'open'}`], text: stage?.name || '' }),
        h('span', { class: 'deal-card-amount', text: money(deal.amount, deal.currency) }),
        h('span', { class: 'muted', text: pipeline.name }),
      ),
    );
    timelineScope?.dispose();
    timelineScope = store.scope();
    mount(
      el,
      header,
      h(
        'div',
        { class: 'crm-card-grid' },
        h(
          'div',
          { class: 'crm-card-main' },
          editor(deal, pipeline, pipelines),
          customFieldsSection(ctx, { entity: 'deal', record: deal, save: (patch) => ctx.crm.updateDeal(deal.id, patch) }),
          h(
            'section',
            { class: 'crm-section' },
            h('h2', { class: 'crm-section-title', text: t('crm.deal.links') }),
            fields([
              [t('crm.deal.contact'), ctx.names.link('contact', deal.contact_id)],
              [t('crm.deal.company'), ctx.names.link('company', deal.company_id)],
              [t('crm.deal.source'), deal.source],
              [t('crm.deal.closed_on'), deal.closed_on ? calendarDate(deal.closed_on) : null],
              [t('crm.field.created'), shortDateTime(deal.created_at)],
            ]),
            !deal.contact_id && !deal.company_id ? h('p', { class: 'section-empty', text: t('crm.deal.no_links') }) : null,
          ),
        ),
        timelineSection(ctx, timelineScope, 'deals', deal.id),
      ),
    );
  }

  function editor(deal, pipeline) {
    const title = h('input', { id: 'deal-title', name: 'title', value: deal.title, required: true, maxlength: 300 });
    const amount = h('input', { id: 'deal-amount', name: 'amount', value: deal.amount, inputmode: 'decimal' });
    const currency = h('input', { id: 'deal-currency', name: 'currency', value: deal.currency, maxlength: 3, class: 'currency-field' });
    const stage = h('select', { id: 'deal-stage', name: 'stage_id' }, pipeline.stages.map((s) => h('option', { value: s.id, text: s.name })));
    stage.value = deal.stage_id;
    const probability = h('input', { id: 'deal-probability', name: 'probability', type: 'number', min: 0, max: 100, step: 1, value: String(deal.probability) });
    const close = h('input', { id: 'deal-close', name: 'expected_close', type: 'date', value: deal.expected_close || '' });
    const responsible = userSelect({ id: 'deal-responsible', name: 'responsible_id' }, deal.responsible_id);
    const error = h('p', { class: 'form-error', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'button primary', text: t('crm.deal.save') });

    function changes() {
      const out = {};
      if (title.value.trim() !== deal.title) out.title = title.value.trim();
      const typedAmount = amount.value.trim().replace(',', '.') || '0';
      if (typedAmount !== deal.amount) out.amount = typedAmount;
      if (currency.value.trim().toUpperCase() !== deal.currency) out.currency = currency.value.trim().toUpperCase();
      if (stage.value !== deal.stage_id) out.stage_id = stage.value;
      if (probability.value === '') {
        if (deal.probability_overridden) out.probability = null;
      } else if (Number(probability.value) !== deal.probability) {
        out.probability = Number(probability.value);
      }
      if ((close.value || null) !== (deal.expected_close || null)) out.expected_close = close.value || null;
      if (responsible.value && responsible.value !== deal.responsible_id) out.responsible_id = responsible.value;
      return out;
    }

    const form = h(
      'form',
      {
        class: 'crm-form crm-section',
        onsubmit: async (event) => {
          event.preventDefault();
          clearInvalid(form);
          error.textContent = '';
          const patch = changes();
          if (!Object.keys(patch).length) {
            ctx.toast(t('crm.deal.unchanged'));
            return;
          }
          save.disabled = true;
          try {
            const updated = await ctx.crm.updateDeal(deal.id, patch);
            if (!alive) return;
            ctx.toast(t('crm.deal.saved'));
            const pipelines = await ctx.crm.pipelines();
            if (alive) render(updated, pipelines);
          } catch (failure) {
            if (!alive) return;
            markInvalid(form, failure.fields);
            error.textContent = errorText(failure);
            save.disabled = false;
          }
        },
      },
      h('h2', { class: 'crm-section-title', text: t('crm.deal.details') }),
      h('label', { for: title.id, text: t('crm.deal.title') }),
      title,
      h(
        'div',
        { class: 'form-row' },
        h('div', { class: 'form-cell grow' }, h('label', { for: amount.id, text: t('crm.deal.amount') }), amount),
        h('div', { class: 'form-cell' }, h('label', { for: currency.id, text: t('crm.deal.currency') }), currency),
      ),
      h(
        'div',
        { class: 'form-row' },
        h('div', { class: 'form-cell grow' }, h('label', { for: stage.id, text: t('crm.deal.stage') }), stage),
        h('div', { class: 'form-cell' }, h('label', { for: probability.id, text: t('crm.deal.probability') }), probability),
      ),
      h(
        'div',
        { class: 'form-row' },
        h('div', { class: 'form-cell grow' }, h('label', { for: close.id, text: t('crm.deal.expected_close') }), close),
        h('div', { class: 'form-cell grow' }, h('label', { for: responsible.id, text: t('crm.deal.responsible') }), responsible),
      ),
      error,
      h('div', { class: 'form-actions' }, save),
    );
    // Viewers read only: the fields show the values and nothing can be sent.
    if (store.state.session.user.role === 'viewer') {
      for (const field of form.querySelectorAll('input, select')) field.disabled = true;
      save.hidden = true;
    }
    return form;
  }

  start();
  return { el };
}
