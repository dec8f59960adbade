// A contact's card: fields, custom fields, messenger identities, deals, open tasks, look-alike contacts that
// can be merged into this one, and the timeline with comments.

import { h, icon, mount } from '../../components/dom.js';
import { avatar } from '../../components/avatar.js';
import { channelIcon, channelLabel } from '../../components/channel.js';
import { confirmDialog } from '../../components/modal.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText, userName } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { contactName, shortDateTime } from '../../lib/crm.js';
import { notice, fields, timelineSection } from './parts.js';
import { dealsSection, openTasksSection } from './record-parts.js';
import { customFieldsSection } from './custom-fields.js';

const REASONS = ['phone', 'email', 'name'];

export function contactView(ctx, scope, route) {
  const contactId = route.params.id;
  const el = h('div', { class: 'crm-card-page' });
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  function backLink() {
    return h('a', { href: '/crm/contacts', class: 'back-link', onclick: followLink('crm-contacts') }, t('crm.contact.back'));
  }

  async function start() {
    mount(el, notice(t('room.loading')));
    try {
      const contact = await ctx.crm.contact(contactId);
      if (alive) render(contact);
    } catch (error) {
      if (!alive) return;
      mount(el, backLink(), h('div', { class: 'empty-state' }, icon('alert'), h('h2', { text: t('crm.contact.unavailable') }), h('p', { text: errorText(error) })));
    }
  }

  function render(contact) {
    const name = contactName(contact);
    mount(
      el,
      h(
        'header',
        { class: 'crm-card-header' },
        backLink(),
        h('div', { class: 'card-head' }, avatar(contact.id, name, { size: 'md' }), h('div', null, h('h1', { class: 'crm-title', text: name }), contact.position ? h('p', { class: 'muted', text: contact.position }) : null)),
      ),
      h(
        'div',
        { class: 'crm-card-grid' },
        h(
          'div',
          { class: 'crm-card-main' },
          h(
            'section',
            { class: 'crm-section' },
            h('h2', { class: 'crm-section-title', text: t('crm.contact.details') }),
            fields([
              [t('crm.field.company'), ctx.names.link('company', contact.company_id)],
              [t('contact.phones'), contact.phones.map((p) => h('div', { text: p.number }))],
              [t('contact.emails'), contact.emails.map((e) => h('div', { text: e.address }))],
              [t('contact.identities'), contact.identities.map((i) => h('div', { class: 'identity' }, channelIcon(i.channel), `${channelLabel(i.channel)} · ${i.external_id}`))],
              [t('contact.address'), contact.address],
              [t('crm.deal.source'), contact.source],
              [t('contact.responsible'), contact.responsible_id ? userName(contact.responsible_id) : null],
              [t('crm.field.created'), shortDateTime(contact.created_at)],
            ]),
          ),
          customFieldsSection(ctx, { entity: 'contact', record: contact, save: (patch) => ctx.crm.updateContact(contact.id, patch) }),
          dealsSection(ctx, { contact_id: contact.id }),
          openTasksSection(ctx, 'contacts', contact.id),
          // Merging changes records: not for viewers.
          store.state.session.user.role === 'viewer' ? null : duplicatesSection(contact),
        ),
        timelineSection(ctx, scope, 'contacts', contact.id),
      ),
    );
  }

  function duplicatesSection(contact) {
    const body = h('div');
    const el = h('section', { class: 'crm-section duplicates' }, h('h2', { class: 'crm-section-title', text: t('crm.duplicates.title') }), body);
    mount(body, h('button', { type: 'button', class: 'button', onclick: find }, icon('search'), t('crm.duplicates.find')));

    async function find() {
      mount(body, notice(t('room.loading')));
      try {
        const matches = await ctx.crm.contactDuplicates(contact.id);
        if (!alive) return;
        mount(
          body,
          matches.length
            ? h(
                'ul',
                { class: 'linked-list' },
                matches.map((match) =>
                  h(
                    'li',
                    { class: 'linked-row duplicate-row' },
                    h('a', { href: `/crm/contacts/${match.contact.id}`, class: 'record-link', onclick: followLink('crm-contact', { id: match.contact.id }), text: contactName(match.contact) }),
                    h('span', { class: 'muted', text: match.reasons.map((r) => (REASONS.includes(r) ? t(`crm.duplicates.reason.${r}`) : r)).join(', ') }),
                    h('button', { type: 'button', class: 'button', text: t('crm.duplicates.merge'), onclick: () => merge(match.contact) }),
                  ),
                ),
              )
            : h('p', { class: 'section-empty', text: t('crm.duplicates.none') }),
        );
      } catch (error) {
        if (alive) mount(body, notice(errorText(error), { role: 'alert' }));
      }
    }

    async function merge(other) {
      const ok = await confirmDialog({
        title: t('crm.duplicates.merge_title'),
        message: t('crm.duplicates.merge_question', { source: contactName(other), target: contactName(contact) }),
        confirm: t('crm.duplicates.merge'),
        danger: true,
      });
      if (!ok) return;
      try {
        const merged = await ctx.crm.mergeContacts(contact.id, [other.id]);
        ctx.toast(t('crm.duplicates.merged'));
        if (alive) render(merged);
      } catch (error) {
        ctx.toast(errorText(error), { kind: 'error' });
      }
    }
    return el;
  }

  start();
  return { el };
}
