// Leads: search, a status menu, each with its status and a link to its card; a converted
// lead links to its deal. "New lead" opens a dialog.

import { h, icon } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { userName } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { leadLabel, shortDateTime } from '../../lib/crm.js';
import { pageHeader, pagedTable, emptyState } from './parts.js';
import { filterBar, menu } from './filters.js';
import { openNewLead } from './new-lead.js';

const STATUSES = ['new', 'in_work', 'converted', 'junk'];

export function leadStatus(status) {
  return h('span', { class: ['status-chip', `lead-${status}`], text: STATUSES.includes(status) ? t(`crm.lead.status.${status}`) : status });
}

export function leadsView(ctx) {
  const status = menu('leads-status', t('crm.lead.status'), [['', t('crm.filter.any_status')], ...STATUSES.map((s) => [s, t(`crm.lead.status.${s}`)])]);
  const filters = filterBar({ id: 'leads', search: t('crm.leads.search'), controls: [status], onChange: () => table.reload() });
  const table = pagedTable({
    caption: t('crm.leads.title'),
    columns: [
      { label: t('crm.lead.title'), cell: (l) => h('a', { href: `/crm/leads/${l.id}`, class: 'record-link strong', onclick: followLink('crm-lead', { id: l.id }), text: leadLabel(l) || t('crm.lead.title') }) },
      { label: t('crm.field.name'), cell: (l) => l.name || '' },
      { label: t('crm.lead.contacts'), cell: (l) => [l.phone, l.email].filter(Boolean).join(', ') },
      { label: t('crm.field.company'), cell: (l) => l.company_name || '' },
      { label: t('crm.lead.status'), cell: (l) => [leadStatus(l.status), l.junk_reason ? h('div', { class: 'muted small', text: l.junk_reason }) : null] },
      { label: t('crm.deal.source'), cell: (l) => l.source || '' },
      { label: t('contact.responsible'), cell: (l) => (l.responsible_id ? userName(l.responsible_id) : '') },
      {
        label: t('crm.lead.result'),
        cell: (l) =>
          l.deal_id ? h('a', { href: `/crm/deals/${l.deal_id}`, class: 'record-link', onclick: followLink('crm-deal', { id: l.deal_id }), text: t('crm.lead.open_deal') }) : '',
      },
      { label: t('crm.field.created'), className: 'nowrap', cell: (l) => shortDateTime(l.created_at) },
    ],
    load: (cursor) => ctx.crm.leads({ q: filters.query(), status: status.value, cursor, limit: 50 }),
    empty: () => (filters.query() || status.value ? emptyState('search', t('crm.leads.none_found')) : emptyState('target', t('crm.leads.empty'), t('crm.leads.empty_body'))),
  });
  table.reload();
  // Viewers read only.
  const create = store.state.session.user.role === 'viewer' ? null : h('button', { type: 'button', class: 'button primary', onclick: () => openNewLead(ctx) }, icon('plus'), t('crm.lead.new'));
  return { el: h('div', { class: 'crm-list-page' }, pageHeader(t('crm.leads.title'), create), filters.el, table.el) };
}
