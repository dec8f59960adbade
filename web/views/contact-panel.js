// The panel beside a client conversation: the CRM contact who holds the client's channel
// identity (name, position, phones, e-mails, identities on every channel), editable; the
// deal the conversation is linked to; the contact's deals and open tasks, with new ones
// created here; and the contact's timeline. For a client not in the CRM yet (or one the
// user may not open), what the channel tells about them.

import { h, icon, mount } from '../components/dom.js';
import { avatar } from '../components/avatar.js';
import { channelIcon, channelLabel } from '../components/channel.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { fullDate, errorText, userName } from '../lib/format.js';
import { crmApi, createNames, contactName } from '../lib/crm.js';
import { timelineSection } from './crm/parts.js';
import { dealsSection, openTasksSection } from './crm/record-parts.js';
import { contactForm } from './crm/contact-form.js';
import { openNewDeal } from './crm/new-deal.js';
import { openNewTask } from './crm/new-task.js';
import { conversationDeal } from './conversation-deal.js';

function field(label, value) {
  if (!value) return null;
  return h('div', { class: 'card-field' }, h('dt', { text: label }), h('dd', null, value));
}

function identityCard(row) {
  return h(
    'div',
    { class: 'contact-card' },
    h('div', { class: 'card-head' }, avatar(`client:${row.client_name}`, row.client_name || '?', { size: 'lg' }), h('div', null, h('h2', { text: row.client_name || t('inbox.client') }), h('p', { class: 'muted', text: t('contact.not_in_crm') }))),
    h(
      'dl',
      { class: 'card-fields' },
      field(t('contact.channel'), h('span', { class: 'identity' }, channelIcon(row.channel_kind), `${channelLabel(row.channel_kind)} · ${row.channel_name}`)),
      field(t('contact.channel_id'), row.external_chat_id),
      field(t('contact.line'), row.line_name),
      field(t('contact.first_contact'), fullDate(row.queued_at)),
    ),
  );
}

function cardHead(contact) {
  const name = contactName(contact);
  return h(
    'div',
    { class: 'card-head' },
    avatar(contact.id, name, { size: 'lg' }),
    h('div', null, h('h2', { text: name }), contact.position ? h('p', { class: 'muted contact-position', text: contact.position }) : null),
  );
}

function contactFields(contact) {
  return h(
    'dl',
    { class: 'card-fields' },
    field(t('contact.phones'), contact.phones?.length ? contact.phones.map((p) => h('div', { text: p.number })) : null),
    field(t('contact.emails'), contact.emails?.length ? contact.emails.map((e) => h('div', { text: e.address })) : null),
    field(
      t('contact.identities'),
      contact.identities?.length ? contact.identities.map((i) => h('div', { class: 'identity' }, channelIcon(i.channel), `${channelLabel(i.channel)} · ${i.external_id}`)) : null,
    ),
    field(t('contact.address'), contact.address),
    field(t('contact.responsible'), contact.responsible_id ? userName(contact.responsible_id) : null),
  );
}

export function contactPanel(ctx, scope, roomId) {
  const calls = crmApi(ctx.api);
  const crm = { ...ctx, crm: calls, names: createNames(calls) };
  const body = h('div', { class: 'contact-panel-body' });
  const el = h('aside', { class: 'contact-panel', 'aria-label': t('contact.panel') }, h('h2', { class: 'panel-title', text: t('contact.title') }), body);
  const canWrite = store.state.session.user.role !== 'viewer';
  let shownContact; // the contact id the panel shows (null: the channel identity; 'no-row': none)
  let contactScope = null; // what lives as long as one contact is shown

  // Stages are named from the pipelines, asked for once per panel.
  let pipelinesLoad = null;
  const pipelines = () => {
    pipelinesLoad ??= crm.crm.pipelines().catch((error) => {
      pipelinesLoad = null;
      throw error;
    });
    return pipelinesLoad;
  };

  function toolButton(iconName, label, onclick) {
    return h('button', { type: 'button', class: 'link-button small panel-tool', onclick }, icon(iconName), label);
  }

  /** The contact's card, deals, tasks and timeline; each part can be drawn again alone. */
  function showCard(contact) {
    contactScope?.dispose();
    contactScope = store.scope();
    const partScope = contactScope;
    const card = h('div', { class: 'contact-card' });
    const dealLink = h('div');
    const deals = h('div');
    const tasks = h('div');
    const timeline = h('div');
    let timelineScope = null;
    partScope.cleanup(() => timelineScope?.dispose());

    function drawCard(current, editing = false) {
      contact = current;
      if (editing) {
        mount(
          card,
          cardHead(contact),
          contactForm(crm, contact, {
            onSaved: (saved) => {
              drawCard(saved);
              drawTimeline();
              card.querySelector('.edit-contact')?.focus();
            },
            onCancel: () => {
              drawCard(contact);
              card.querySelector('.edit-contact')?.focus();
            },
          }),
        );
        card.querySelector('input')?.focus();
        return;
      }
      const edit = h('button', { type: 'button', class: 'link-button small edit-contact', onclick: () => drawCard(contact, true) }, icon('edit'), t('contact.edit.open'));
      mount(card, cardHead(contact), contactFields(contact), canWrite ? h('div', { class: 'panel-tools' }, edit) : null);
    }

    function newDeal(onCreated) {
      pipelines().then(
        (all) => {
          const chosen = all.find((p) => p.is_default) || all[0];
          if (!chosen) {
            crm.toast(t('crm.pipeline.none'), { kind: 'error' });
            return;
          }
          openNewDeal(
            crm,
            chosen,
            (deal) => {
              drawDeals();
              onCreated?.(deal);
            },
            { contact, pipelines: all },
          );
        },
        (error) => crm.toast(errorText(error), { kind: 'error' }),
      );
    }

    function drawDeals() {
      const tools = canWrite ? [toolButton('plus', t('panel.deal.new'), () => newDeal())] : [];
      mount(deals, dealsSection(crm, { contact_id: contact.id }, ...tools));
      linkSection?.refresh();
    }

    function drawTasks() {
      const add = () => openNewTask(crm, { kind: 'contact', id: contact.id }, () => drawTasks());
      const tools = canWrite ? [toolButton('plus', t('panel.task.new'), add)] : [];
      mount(tasks, openTasksSection(crm, 'contacts', contact.id, ...tools));
    }

    function drawTimeline() {
      timelineScope?.dispose();
      timelineScope = store.scope();
      mount(timeline, timelineSection(crm, timelineScope, 'contacts', contact.id));
    }

    const linkSection = conversationDeal(crm, partScope, roomId, contact, { pipelines, createDeal: newDeal });
    mount(dealLink, linkSection.el);
    drawCard(contact);
    drawDeals();
    drawTasks();
    drawTimeline();
    mount(body, card, dealLink, deals, tasks, timeline);
  }

  async function showContact(contactId) {
    mount(body, h('p', { class: 'list-notice', text: t('room.loading') }));
    try {
      const contact = await crm.crm.contact(contactId);
      if (shownContact !== contactId) return;
      showCard(contact);
    } catch (error) {
      if (shownContact !== contactId) return;
      // A contact the user may not open: fall back to what the channel says.
      mount(body, identityCard(store.state.inbox.rows.get(roomId)), h('p', { class: 'list-notice', text: errorText(error) }));
    }
  }

  function render() {
    const row = store.state.inbox.rows.get(roomId);
    const wanted = row ? row.contact_id || null : 'no-row';
    if (wanted === shownContact) return;
    shownContact = wanted;
    contactScope?.dispose();
    contactScope = null;
    if (!row) mount(body, h('div', { class: 'empty-state' }, icon('user')));
    else if (wanted) showContact(wanted);
    else mount(body, identityCard(row));
  }

  scope.on('inbox', render);
  scope.cleanup(() => contactScope?.dispose());
  render();
  return { el };
}
