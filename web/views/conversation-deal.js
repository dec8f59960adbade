// The deal a client conversation is linked to (its messages then reach the deal's timeline):
// the deal with an unlink button, or a menu of the contact's deals to link one, or a new
// deal created for the contact and linked at once. Follows the row's `deal_id`, which the
// inbox keeps current from the server's answers and websocket frames.

import { h, mount } from '../components/dom.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { errorText } from '../lib/format.js';
import { dealRow } from './crm/record-parts.js';
import { notice } from './crm/parts.js';

/**
 * `crm` is the app context with `crm` (the CRM calls); `pipelines()` answers the pipelines
 * (fetched once by the panel); `createDeal(onCreated)` opens the new-deal dialog for the contact.
 */
export function conversationDeal(crm, scope, roomId, contact, { pipelines, createDeal }) {
  const body = h('div', { class: 'conversation-deal-body' });
  const el = h(
    'section',
    { class: 'crm-section conversation-deal', 'aria-labelledby': 'conversation-deal-title' },
    h('h2', { id: 'conversation-deal-title', class: 'crm-section-title', text: t('panel.deal.title') }),
    body,
  );
  const canWrite = store.state.session.user.role !== 'viewer';
  let shown; // the deal id drawn (null: none linked)
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  const row = () => store.state.inbox.rows.get(roomId);

  async function run(button, action) {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      if (alive) {
        button.disabled = false;
        crm.toast(errorText(error), { kind: 'error' });
      }
    }
  }

  async function showLinked(dealId) {
    mount(body, notice(t('room.loading')));
    try {
      const [deal, all] = await Promise.all([crm.crm.deal(dealId), pipelines()]);
      if (!alive || shown !== dealId) return;
      const unlink = h('button', {
        type: 'button',
        class: 'link-button small',
        text: t('panel.deal.unlink'),
        'aria-label': t('panel.deal.unlink_named', { title: deal.title }),
        hidden: !canWrite,
        onclick: () =>
          run(unlink, async () => {
            await crm.inbox.unlinkDeal(row());
            crm.toast(t('panel.deal.unlinked', { title: deal.title }));
          }),
      });
      mount(body, dealRow(deal, all, unlink));
    } catch (error) {
      if (!alive || shown !== dealId) return;
      // A deal the user may not open is still linked; only its name stays hidden.
      mount(body, notice(t('panel.deal.hidden')), notice(errorText(error)));
    }
  }

  async function showPicker() {
    if (!canWrite) {
      mount(body, h('p', { class: 'section-empty', text: t('panel.deal.none') }));
      return;
    }
    mount(body, notice(t('room.loading')));
    let deals;
    try {
      deals = (await crm.crm.deals({ contact_id: contact.id, limit: 50 })).items;
    } catch (error) {
      if (alive && shown === null) mount(body, notice(errorText(error), { role: 'alert' }));
      return;
    }
    if (!alive || shown !== null) return;
    const create = h('button', {
      type: 'button',
      class: 'button',
      text: t('panel.deal.create_and_link'),
      onclick: () =>
        createDeal((deal) =>
          run(create, async () => {
            await crm.inbox.linkDeal(row(), deal.id);
            crm.toast(t('panel.deal.linked', { title: deal.title }));
          }),
        ),
    });
    if (!deals.length) {
      mount(body, h('p', { class: 'section-empty', text: t('panel.deal.no_deals') }), h('div', { class: 'panel-tools' }, create));
      return;
    }
    const menu = h('select', { id: 'conversation-deal-menu' }, deals.map((deal) => h('option', { value: deal.id, text: deal.title })));
    const link = h('button', {
      type: 'submit',
      class: 'button primary',
      text: t('panel.deal.link'),
    });
    const form = h(
      'form',
      {
        class: 'crm-form',
        onsubmit: (event) => {
          event.preventDefault();
          const deal = deals.find((d) => d.id === menu.value);
          run(link, async () => {
            await crm.inbox.linkDeal(row(), deal.id);
            crm.toast(t('panel.deal.linked', { title: deal.title }));
          });
        },
      },
      h('p', { class: 'section-empty', text: t('panel.deal.none') }),
      h('label', { for: menu.id, text: t('panel.deal.choose') }),
      menu,
      h('div', { class: 'panel-tools' }, link, create),
    );
    mount(body, form);
  }

  function render() {
    const current = row();
    if (!current) return;
    const wanted = current.deal_id || null;
    if (wanted === shown) return;
    shown = wanted;
    if (wanted) showLinked(wanted);
    else showPicker();
  }

  scope.on('inbox', render);
  render();
  return {
    el,
    /** Draws again (after a deal of the contact was created or changed elsewhere). */
    refresh() {
      shown = undefined;
      render();
    },
  };
}
