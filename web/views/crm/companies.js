// Companies: search by name, phone or e-mail, only mine, paged with "load more".

import { h } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { userName } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { shortDateTime } from '../../lib/crm.js';
import { pageHeader, pagedTable, emptyState } from './parts.js';
import { filterBar, checkbox, mineLabel } from './filters.js';

export function companiesView(ctx) {
  const mine = checkbox('companies-mine', mineLabel());
  const filters = filterBar({ id: 'companies', search: t('crm.companies.search'), controls: [mine], onChange: () => table.reload() });
  const table = pagedTable({
    caption: t('crm.companies.title'),
    columns: [
      { label: t('crm.field.name'), cell: (c) => h('a', { href: `/crm/companies/${c.id}`, class: 'record-link strong', onclick: followLink('crm-company', { id: c.id }), text: c.name }) },
      { label: t('contact.phones'), cell: (c) => c.phones.map((p) => p.number).join(', ') },
      { label: t('contact.emails'), cell: (c) => c.emails.map((e) => e.address).join(', ') },
      { label: t('contact.address'), cell: (c) => c.address || '' },
      { label: t('contact.responsible'), cell: (c) => (c.responsible_id ? userName(c.responsible_id) : '') },
      { label: t('crm.field.created'), className: 'nowrap', cell: (c) => shortDateTime(c.created_at) },
    ],
    load: (cursor) => ctx.crm.companies({ q: filters.query(), responsible_id: mine.checked ? store.state.session.user.id : null, cursor, limit: 50 }),
    empty: () => (filters.query() || mine.checked ? emptyState('search', t('crm.companies.none_found')) : emptyState('building', t('crm.companies.empty'), t('crm.companies.empty_body'))),
  });
  table.reload();
  return { el: h('div', { class: 'crm-list-page' }, pageHeader(t('crm.companies.title')), filters.el, table.el) };
}
