// What a task is about, as a link to that record's page.

import { h } from '../../components/dom.js';
import { t } from '../../lib/i18n.js';
import { followLink } from '../../lib/router.js';

export function taskEntity(ctx, task) {
  const entity = task.entity;
  if (!entity) return '';
  switch (entity.kind) {
    case 'contact':
      return ctx.names.link('contact', entity.id);
    case 'company':
      return ctx.names.link('company', entity.id);
    case 'deal':
      return h('a', { href: `/crm/deals/${entity.id}`, class: 'record-link', onclick: followLink('crm-deal', { id: entity.id }), text: t('crm.task.entity.deal') });
    case 'lead':
      return h('a', { href: '/crm/leads', class: 'record-link', onclick: followLink('crm-leads'), text: t('crm.task.entity.lead') });
    default:
      return '';
  }
}
