// A company's card: fields, custom fields, its contacts, deals, open tasks and the timeline with comments.

import { h, icon, mount } from '../../components/dom.js';
import { t } from '../../lib/i18n.js';
import { errorText, userName } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { contactName, shortDateTime } from '../../lib/crm.js';
import { notice, fields, timelineSection, linkedList } from './parts.js';
import { dealsSection, openTasksSection } from './record-parts.js';
import { customFieldsSection } from './custom-fields.js';

export function companyView(ctx, scope, route) {
  const companyId = route.params.id;
  const el = h('div', { class: 'crm-card-page' });
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  function backLink() {
    return h('a', { href: '/crm/companies', class: 'back-link', onclick: followLink('crm-companies') }, t('crm.company.back'));
  }

  async function start() {
    mount(el, notice(t('room.loading')));
    try {
      const [company, people] = await Promise.all([ctx.crm.company(companyId), ctx.crm.contacts({ company_id: companyId, limit: 50 })]);
      if (alive) render(company, people.items);
    } catch (error) {
      if (!alive) return;
      mount(el, backLink(), h('div', { class: 'empty-state' }, icon('alert'), h('h2', { text: t('crm.company.unavailable') }), h('p', { text: errorText(error) })));
    }
  }

  function render(company, people) {
    mount(
      el,
      h('header', { class: 'crm-card-header' }, backLink(), h('h1', { class: 'crm-title', text: company.name })),
      h(
        'div',
        { class: 'crm-card-grid' },
        h(
          'div',
          { class: 'crm-card-main' },
          h(
            'section',
            { class: 'crm-section' },
            h('h2', { class: 'crm-section-title', text: t('crm.company.details') }),
            fields([
              [t('contact.phones'), company.phones.map((p) => h('div', { text: p.number }))],
              [t('contact.emails'), company.emails.map((e) => h('div', { text: e.address }))],
              [t('contact.address'), company.address],
              [t('contact.responsible'), company.responsible_id ? userName(company.responsible_id) : null],
              [t('crm.field.created'), shortDateTime(company.created_at)],
            ]),
          ),
          customFieldsSection(ctx, { entity: 'company', record: company, save: (patch) => ctx.crm.updateCompany(company.id, patch) }),
          linkedList(
            t('crm.contacts.title'),
            people,
            (c) => h('a', { href: `/crm/contacts/${c.id}`, class: 'record-link', onclick: followLink('crm-contact', { id: c.id }), text: contactName(c) }),
            t('crm.company.no_contacts'),
          ),
          dealsSection(ctx, { company_id: company.id }),
          openTasksSection(ctx, 'companies', company.id),
        ),
        timelineSection(ctx, scope, 'companies', company.id),
      ),
    );
  }

  start();
  return { el };
}
