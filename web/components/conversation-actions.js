// What an operator can do with a client conversation, as buttons in its header. Each action
// says when it applies and what it runs, so new ones (transfer, label, snooze, notes) are one
// more entry in ACTIONS with no change to the views.

import { h, icon } from './dom.js';
import { confirmDialog } from './modal.js';
import { t } from '../lib/i18n.js';
import { errorText } from '../lib/format.js';
import { isSnoozed } from '../lib/inbox.js';
import { transferDialog, noteDialog, labelsDialog, snoozeDialog } from './conversation-dialogs.js';

const canWrite = (user) => user.role !== 'viewer';
const oversees = (user) => user.role === 'admin' || user.role === 'supervisor';
/** The conversation's operator, or a lead: who may move it, label it, snooze it. */
const handles = (row, user) => row.status === 'assigned' && (row.assignee_id === user.id || oversees(user));

export const ACTIONS = [
  {
    id: 'take',
    label: 'conversation.take',
    icon: 'plus',
    primary: true,
    applies: (row, user) => row.status === 'queued' && canWrite(user),
    run: (ctx, row) => ctx.inbox.take(row),
  },
  {
    id: 'note',
    compact: true,
    label: 'conversation.note',
    icon: 'edit',
    applies: (row, user) => row.status !== 'closed' && canWrite(user),
    run: (ctx, row) => noteDialog(ctx, row),
  },
  {
    id: 'labels',
    compact: true,
    label: 'conversation.labels',
    icon: 'hash',
    applies: (row, user) => row.status !== 'closed' && canWrite(user),
    run: (ctx, row) => labelsDialog(ctx, row),
  },
  {
    id: 'transfer',
    compact: true,
    label: 'conversation.transfer',
    icon: 'send',
    applies: handles,
    run: (ctx, row) => transferDialog(ctx, row),
  },
  {
    id: 'snooze',
    compact: true,
    label: 'conversation.snooze',
    icon: 'clock',
    applies: (row, user) => handles(row, user) && row.assignee_id === user.id && !isSnoozed(row),
    run: (ctx, row) => snoozeDialog(ctx, row),
  },
  {
    id: 'close',
    label: 'conversation.close',
    icon: 'check',
    applies: (row, user) => row.status === 'assigned' && (row.assignee_id === user.id || oversees(user)),
    async run(ctx, row) {
      const yes = await confirmDialog({
        title: t('conversation.close_title'),
        message: t('conversation.close_confirm', { name: row.client_name || t('inbox.client') }),
        confirm: t('conversation.close_confirm_button'),
      });
      if (yes) await ctx.inbox.close(row);
    },
  },
];

export function conversationActions(ctx, row, user) {
  const buttons = ACTIONS.filter((action) => action.applies(row, user)).map((action) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: ['button', action.primary && 'primary', action.compact && 'icon-only', `action-${action.id}`],
        title: action.compact ? t(action.label) : null,
        onclick: async () => {
          button.disabled = true;
          try {
            await action.run(ctx, row);
          } catch (error) {
            ctx.toast(errorText(error), { kind: 'error' });
          } finally {
            button.disabled = false;
          }
        },
      },
      icon(action.icon),
      h('span', { class: action.compact ? 'visually-hidden' : null, text: t(action.label) }),
    );
    return button;
  });
  return h('div', { class: 'conversation-actions', role: 'toolbar', 'aria-label': t('conversation.actions') }, buttons);
}
