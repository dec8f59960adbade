// A lead's card: its fields, editable; its status (new → in work, or junk with a reason);
// "Convert" into a deal; and its timeline with comments. A converted lead links to what it
// became and can no longer change.

import { h, icon, mount } from '../../components/dom.js';
import { openModal } from '../../components/modal.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { leadLabel, shortDateTime } from '../../lib/crm.js';
import { notice, fields, timelineSection } from './parts.js';
import { markInvalid, clearInvalid, userSelect } from './form.js';
import { leadStatus } from './leads.js';
import { openConvertLead } from './convert-lead.js';
import { customFieldsSection } from './custom-fields.js';
import { LEAD_FIELDS } from './new-lead.js';

export function leadView(ctx, scope, route) {
  const leadId = route.params.id;
  const el = h('div', { class: 'crm-card-page' });
  const readOnly = store.state.session.user.role === 'viewer';
  let alive = true;
  let timelineScope = null;
  scope.cleanup(() => {
    alive = false;
    timelineScope?.dispose();
  });

  function backLink() {
    return h('a', { href: '/crm/leads', class: 'back-link', onclick: followLink('crm-leads') }, t('crm.lead.back'));
  }

  async function start() {
    mount(el, notice(t('room.loading')));
    try {
      const lead = await ctx.crm.lead(leadId);
      if (alive) render(lead);
    } catch (error) {
      if (!alive) return;
      mount(el, backLink(), h('div', { class: 'empty-state' }, icon('alert'), h('h2', { text: t('crm.lead.unavailable') }), h('p', { text: errorText(error) })));
    }
  }

  function render(lead) {
    timelineScope?.dispose();
    timelineScope = store.scope();
    mount(
      el,
      h(
        'header',
        { class: 'crm-card-header' },
        backLink(),
        h('h1', { class: 'crm-title', text: leadLabel(lead) || t('crm.lead.title') }),
        h('p', { class: 'crm-card-subtitle' }, leadStatus(lead.status), lead.junk_reason ? h('span', { class: 'muted junk-reason', text: lead.junk_reason }) : null),
      ),
      h(
        'div',
        { class: 'crm-card-grid' },
        h(
          'div',
          { class: 'crm-card-main' },
          statusSection(lead),
          editor(lead),
          customFieldsSection(ctx, { entity: 'lead', record: lead, save: (patch) => ctx.crm.updateLead(lead.id, patch) }),
        ),
        timelineSection(ctx, timelineScope, 'leads', lead.id),
      ),
    );
  }

  async function change(lead, patch) {
    try {
      const updated = await ctx.crm.updateLead(lead.id, patch);
      if (alive) render(updated);
      return null;
    } catch (failure) {
      return failure;
    }
  }

  function statusSection(lead) {
    const actions = [];
    if (lead.status === 'converted') {
      return h(
        'section',
        { class: 'crm-section' },
        h('h2', { class: 'crm-section-title', text: t('crm.lead.status') }),
        fields([
          [t('crm.deal.contact'), ctx.names.link('contact', lead.contact_id)],
          [t('crm.lead.deal'), lead.deal_id ? h('a', { href: `/crm/deals/${lead.deal_id}`, class: 'record-link', onclick: followLink('crm-deal', { id: lead.deal_id }), text: t('crm.lead.open_deal') }) : null],
          [t('crm.lead.converted_at'), lead.converted_at ? shortDateTime(lead.converted_at) : null],
        ]),
      );
    }
    if (!readOnly) {
      if (lead.status !== 'in_work') actions.push(statusButton(lead, lead.status === 'junk' ? 'crm.lead.back_to_work' : 'crm.lead.take', { status: 'in_work' }));
      if (lead.status !== 'junk') {
        actions.push(h('button', { type: 'button', class: 'button', text: t('crm.lead.mark_junk'), onclick: () => junkDialog(lead) }));
        actions.push(h('button', { type: 'button', class: 'button primary', text: t('crm.lead.convert'), onclick: () => openConvertLead(ctx, lead) }));
      }
    }
    return h('section', { class: 'crm-section' }, h('h2', { class: 'crm-section-title', text: t('crm.lead.status') }), h('div', { class: 'lead-actions' }, actions));
  }

  function statusButton(lead, label, patch) {
    const button = h('button', {
      type: 'button',
      class: 'button',
      text: t(label),
      onclick: async () => {
        button.disabled = true;
        const failure = await change(lead, patch);
        if (failure) {
          ctx.toast(errorText(failure), { kind: 'error' });
          button.disabled = false;
        }
      },
    });
    return button;
  }

  // The reason is checked by the server: an empty one is its 422, shown here.
  function junkDialog(lead) {
    const reason = h('textarea', { id: 'junk-reason', name: 'junk_reason', rows: 3, maxlength: 200 });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'button primary', text: t('crm.lead.mark_junk') });
    const form = h(
      'form',
      {
        class: 'crm-form',
        onsubmit: async (event) => {
          event.preventDefault();
          clearInvalid(form);
          error.textContent = '';
          submit.disabled = true;
          const failure = await change(lead, { status: 'junk', junk_reason: reason.value.trim() || null });
          if (!failure) {
            modal.close();
            return;
          }
          markInvalid(form, failure.fields);
          // The server names the missing reason; say it in the reader's language.
          error.textContent = failure.fields?.junk_reason ? t('crm.lead.junk_reason_required') : errorText(failure);
          submit.disabled = false;
        },
      },
      h('label', { for: reason.id, text: t('crm.lead.junk_reason') }),
      reason,
      error,
      h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), submit),
    );
    const modal = openModal({ title: t('crm.lead.junk_title'), body: form });
  }

  function editor(lead) {
    const inputs = LEAD_FIELDS.map(([name, , type, maxlength]) => h('input', { id: `lead-${name}`, name, type, maxlength, value: lead[name] || '' }));
    const responsible = userSelect({ id: 'lead-responsible', name: 'responsible_id' }, lead.responsible_id);
    const error = h('p', { class: 'form-error', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'button primary', text: t('crm.deal.save') });
    const form = h(
      'form',
      {
        class: 'crm-form crm-section',
        onsubmit: async (event) => {
          event.preventDefault();
          clearInvalid(form);
          error.textContent = '';
          const patch = {};
          for (const input of inputs) {
            const value = input.value.trim();
            if (value !== (lead[input.name] || '')) patch[input.name] = value || null;
          }
          if (responsible.value && responsible.value !== lead.responsible_id) patch.responsible_id = responsible.value;
          if (!Object.keys(patch).length) {
            ctx.toast(t('crm.deal.unchanged'));
            return;
          }
          save.disabled = true;
          const failure = await change(lead, patch);
          if (!failure) {
            ctx.toast(t('crm.lead.saved'));
            return;
          }
          markInvalid(form, failure.fields);
          error.textContent = errorText(failure);
          save.disabled = false;
        },
      },
      h('h2', { class: 'crm-section-title', text: t('crm.lead.details') }),
      LEAD_FIELDS.map(([name, label], index) => [h('label', { for: `lead-${name}`, text: t(label) }), inputs[index]]),
      h('label', { for: responsible.id, text: t('contact.responsible') }),
      responsible,
      h('p', { class: 'muted small', text: `${t('crm.field.created')}: ${shortDateTime(lead.created_at)}` }),
      error,
      h('div', { class: 'form-actions' }, save),
    );
    // Viewers read only, and a converted lead is history.
    if (readOnly || lead.status === 'converted') {
      for (const field of form.querySelectorAll('input, select')) field.disabled = true;
      save.hidden = true;
    }
    return form;
  }

  start();
  return { el };
}
