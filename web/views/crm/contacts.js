// Contacts: search by name, phone or e-mail, only mine, paged with "load more".

import { h } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { userName } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { contactName, shortDateTime } from '../../lib/crm.js';
import { pageHeader, pagedTable, emptyState } from './parts.js';
import { filterBar, checkbox, mineLabel } from './filters.js';

export function contactsView(ctx) {
  const mine = checkbox('contacts-mine', mineLabel());
  const filters = filterBar({ id: 'contacts', search: t('crm.contacts.search'), controls: [mine], onChange: () => table.reload() });
  const table = pagedTable({
    caption: t('crm.contacts.title'),
    columns: [
      { label: t('crm.field.name'), cell: (c) => h('a', { href: `/crm/contacts/${c.id}`, class: 'record-link strong', onclick: followLink('crm-contact', { id: c.id }), text: contactName(c) }) },
      { label: t('crm.field.position'), cell: (c) => c.position || '' },
      { label: t('contact.phones'), cell: (c) => c.phones.map((p) => p.number).join(', ') },
      { label: t('contact.emails'), cell: (c) => c.emails.map((e) => e.address).join(', ') },
      { label: t('crm.field.company'), cell: (c) => ctx.names.link('company', c.company_id) },
      { label: t('contact.responsible'), cell: (c) => (c.responsible_id ? userName(c.responsible_id) : '') },
      { label: t('crm.field.created'), className: 'nowrap', cell: (c) => shortDateTime(c.created_at) },
    ],
    load: (cursor) => ctx.crm.contacts({ q: filters.query(), responsible_id: mine.checked ? store.state.session.user.id : null, cursor, limit: 50 }),
    empty: () => (filters.query() || mine.checked ? emptyState('search', t('crm.contacts.none_found')) : emptyState('user', t('crm.contacts.empty'), t('crm.contacts.empty_body'))),
  });
  table.reload();
  return { el: h('div', { class: 'crm-list-page' }, pageHeader(t('crm.contacts.title')), filters.el, table.el) };
}
