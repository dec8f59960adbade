// One message: author, time, body (links and @mentions recognised, never parsed as HTML),
// attachments with image previews, reactions, the thread link, the delivery tick for own
// messages, and the actions toolbar (react, reply in thread, pin, edit, delete).

import { h, icon } from './dom.js';
import { avatar } from './avatar.js';
import { confirmDialog } from './modal.js';
import { t } from '../lib/i18n.js';
import { time, fullDate, size, userName } from '../lib/format.js';
import { store, timelineOf } from '../lib/store.js';
import { isImage, objectUrl, download } from '../lib/files.js';
import { MAX_BODY } from '../lib/actions.js';
import { errorText } from '../lib/format.js';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '🙏', '✅', '👀'];

const TOKEN = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]])|(@[a-z0-9_.-]+)/gi;

export function bodyNodes(text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    if (match[1]) {
      nodes.push(h('a', { href: match[1], target: '_blank', rel: 'noopener noreferrer', text: match[1] }));
    } else {
      nodes.push(h('span', { class: 'mention', text: match[2] }));
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function attachmentNode(ctx, attachment) {
  // A client's file the provider still holds (not in the media store): named, not opened.
  if (!attachment.id) {
    const kinds = ['photo', 'document', 'voice', 'audio', 'video', 'sticker'];
    const kind = kinds.includes(attachment.kind) ? t(`attachment.kind_${attachment.kind}`) : t('inbox.attachment');
    return h(
      'span',
      { class: 'attachment-file provider-file', title: t('attachment.at_provider') },
      icon('file'),
      h('span', { class: 'file-name', text: attachment.file_name || kind }),
      attachment.size_bytes ? h('span', { class: 'file-size', text: size(attachment.size_bytes) }) : null,
    );
  }
  if (isImage(attachment)) {
    const img = h('img', { alt: attachment.file_name, class: 'attachment-image', loading: 'lazy' });
    const frame = h(
      'button',
      {
        type: 'button',
        class: 'attachment-preview',
        'aria-label': t('attachment.open', { name: attachment.file_name }),
        onclick: () => objectUrl(ctx.api, attachment.id).then((url) => window.open(url, '_blank', 'noopener')),
      },
      img,
    );
    objectUrl(ctx.api, attachment.id).then(
      (url) => {
        img.src = url;
      },
      () => frame.classList.add('broken'),
    );
    return frame;
  }
  return h(
    'button',
    {
      type: 'button',
      class: 'attachment-file',
      title: t('attachment.download'),
      onclick: () => download(ctx.api, attachment).catch((e) => ctx.toast(errorText(e), { kind: 'error' })),
    },
    icon('file'),
    h('span', { class: 'file-name', text: attachment.file_name }),
    h('span', { class: 'file-size', text: size(attachment.size_bytes) }),
    icon('download', t('attachment.download')),
  );
}

/** Where a reply to a client stands with its provider (open-line conversations). */
function deliveryNode(message) {
  switch (message.delivery_status) {
    case 'sent':
      return h('span', { class: 'tick tick-sent delivery-sent', title: t('delivery.sent') }, icon('check', t('delivery.sent')));
    case 'failed':
      return h(
        'span',
        { class: 'tick tick-failed delivery-failed', role: 'status' },
        icon('alert', t('delivery.failed')),
        h('span', { class: 'delivery-reason', text: message.delivery_error ? t('delivery.failed_reason', { reason: message.delivery_error }) : t('delivery.failed') }),
      );
    case 'retrying':
      return h(
        'span',
        { class: 'tick tick-pending delivery-retrying', title: message.delivery_error || t('delivery.retrying') },
        icon('clock', t('delivery.retrying')),
        h('span', { class: 'delivery-reason', text: t('delivery.retrying') }),
      );
    default:
      return h('span', { class: 'tick tick-pending delivery-pending', title: t('delivery.pending') }, icon('clock', t('delivery.pending')));
  }
}

function statusNode(message, { pending, readBy }) {
  if (!pending && message.delivery_status) return deliveryNode(message);
  if (pending?.status === 'pending') {
    return h('span', { class: 'tick tick-pending', title: t('status.sending') }, icon('clock', t('status.sending')));
  }
  if (pending) return null;
  if (readBy) {
    return h('span', { class: 'tick tick-read', title: t('status.read') }, icon('checks', t('status.read')));
  }
  return h('span', { class: 'tick tick-sent', title: t('status.sent') }, icon('check', t('status.sent')));
}

function reactionsNode(ctx, message, meId) {
  const groups = message.reactions || [];
  if (!groups.length) return null;
  return h(
    'div',
    { class: 'reactions' },
    groups.map((group) => {
      const mine = group.user_ids.includes(meId);
      const names = group.user_ids.map(userName).join(', ');
      return h(
        'button',
        {
          type: 'button',
          class: ['reaction', mine && 'mine'],
          'aria-pressed': mine ? 'true' : 'false',
          title: names,
          'aria-label': t('reaction.label', { emoji: group.emoji, count: group.user_ids.length, names }),
          onclick: () => ctx.actions.toggleReaction(message, group.emoji).catch((e) => ctx.toast(errorText(e), { kind: 'error' })),
        },
        h('span', { class: 'reaction-emoji', text: group.emoji }),
        h('span', { class: 'reaction-count', text: String(group.user_ids.length) }),
      );
    }),
  );
}

function reactionPicker(ctx, message, anchor) {
  const existing = anchor.parentElement.querySelector('.reaction-picker');
  if (existing) {
    existing.remove();
    return;
  }
  const picker = h(
    'div',
    { class: 'reaction-picker', role: 'menu', 'aria-label': t('message.react') },
    QUICK_REACTIONS.map((emoji) =>
      h('button', {
        type: 'button',
        role: 'menuitem',
        class: 'emoji-button',
        text: emoji,
        onclick: () => {
          picker.remove();
          ctx.actions.toggleReaction(message, emoji).catch((e) => ctx.toast(errorText(e), { kind: 'error' }));
        },
      }),
    ),
  );
  picker.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      picker.remove();
      anchor.focus();
    }
  });
  anchor.after(picker);
  picker.querySelector('button').focus();
}

function startEdit(ctx, message, body) {
  const field = h('textarea', {
    class: 'edit-field',
    'aria-label': t('message.edit_label'),
    maxlength: MAX_BODY,
    rows: Math.min(8, message.body.split('\n').length + 1),
  });
  field.value = message.body;
  const restore = () => body.replaceChildren(...bodyNodes(message.body));
  const save = async () => {
    const text = field.value.trim();
    if (!text || text === message.body) return restore();
    try {
      await ctx.actions.edit(message, text);
    } catch (error) {
      ctx.toast(errorText(error), { kind: 'error' });
      restore();
    }
  };
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      restore();
    }
  });
  body.replaceChildren(
    field,
    h('div', { class: 'edit-hint', text: t('message.edit_hint') }),
  );
  field.focus();
  field.setSelectionRange(field.value.length, field.value.length);
}

/**
 * @param options.compact   a continuation of the previous message by the same author
 * @param options.pending   the local pending entry for a message not yet acknowledged
 * @param options.pinned    whether the message is pinned
 * @param options.readBy    whether another member has read up to it
 * @param options.inThread  rendered in the thread panel (no thread link)
 * @param options.tools     false: no actions toolbar (a client conversation, where edits and
 *                          threads would never reach the client)
 */
/** An ended call as the room's history shows it: duration and how many took part. */
function callSummary(meta) {
  const seconds = Math.max(0, Math.round(meta.duration_ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  const duration = seconds >= 3600
    ? `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`
    : `${Math.floor(seconds / 60)}:${pad(seconds % 60)}`;
  const count = meta.participants.length + (meta.guests?.length || 0);
  const text = count ? t('call.summary', { count, duration }) : t('call.missed', { duration });
  return h('span', { class: 'call-summary' }, icon('phone'), text);
}

/** Who wrote a message, as a heading shows it. */
function authorOf(message) {
  if (message.author_id) return userName(message.author_id);
  return message.sender_name || t('inbox.client');
}

/** A short line of what a message says: its text, else its first file's name. */
export function gist(message) {
  if (message.deleted_at) return t('message.deleted');
  const text = (message.body || '').replace(/\s+/g, ' ').trim();
  if (text) return text.length > 140 ? `${text.slice(0, 140)}…` : text;
  return message.attachments?.[0]?.file_name || '';
}

/** The message this one replies to, as far as the page has loaded it; a click shows it. */
function quoteNode(message) {
  const quoted = timelineOf(store.state, message.room_id).messages.get(message.reply_to_id);
  return h(
    'button',
    {
      type: 'button',
      class: 'message-quote',
      'aria-label': t('message.quote'),
      onclick: () => {
        const target = document.querySelector(`.message[data-id="${message.reply_to_id}"]`);
        target?.scrollIntoView({ block: 'center' });
        target?.focus();
      },
    },
    quoted ? h('strong', { text: authorOf(quoted) }) : null,
    h('span', { text: quoted ? gist(quoted) : t('message.quote_unloaded') }),
  );
}

export function messageView(ctx, message, options = {}) {
  const { compact = false, pending = null, pinned = false, inThread = false, tools = true, quote = tools } = options;
  const meId = ctx.meId();
  const own = message.author_id === meId;
  const deleted = Boolean(message.deleted_at);
  // A client's message has no author, only the name the client goes by on their channel.
  const fromClient = !message.author_id && !pending && Boolean(message.sender_name || message.external_id);
  const name = authorOf(message);
  const headingId = `${inThread ? 't' : 'm'}-${message.id || message.client_id}`;
  const body = h(
    'div',
    { class: 'message-body' },
    deleted ? h('em', { class: 'muted', text: t('message.deleted') }) : message.kind === 'call' && message.meta ? callSummary(message.meta) : bodyNodes(message.body),
  );

  const actions = [];
  if (!pending && !deleted && quote && !inThread) {
    actions.push(
      h('button', { type: 'button', class: 'icon-button', title: t('message.reply'), 'aria-label': t('message.reply'), onclick: () => ctx.actions.quote(message.room_id, message) }, icon('reply')),
    );
  }
  if (!pending && !deleted && tools) {
    actions.push(
      h('button', { type: 'button', class: 'icon-button', title: t('message.react'), 'aria-label': t('message.react'), onclick: (e) => reactionPicker(ctx, message, e.currentTarget) }, icon('smile')),
    );
    if (!inThread) {
      actions.push(
        h('button', { type: 'button', class: 'icon-button', title: t('message.reply_thread'), 'aria-label': t('message.reply_thread'), onclick: () => ctx.actions.openThread(message.room_id, message.id) }, icon('thread')),
      );
    }
    actions.push(
      h('button', {
        type: 'button',
        class: 'icon-button',
        title: pinned ? t('message.unpin') : t('message.pin'),
        'aria-label': pinned ? t('message.unpin') : t('message.pin'),
        onclick: () => ctx.actions.togglePin(message).catch((e) => ctx.toast(errorText(e), { kind: 'error' })),
      }, icon('pin')),
    );
    if (own) {
      actions.push(
        h('button', { type: 'button', class: 'icon-button', title: t('message.edit'), 'aria-label': t('message.edit'), onclick: () => startEdit(ctx, message, body) }, icon('edit')),
        h('button', {
          type: 'button',
          class: 'icon-button danger',
          title: t('message.delete'),
          'aria-label': t('message.delete'),
          onclick: async () => {
            const yes = await confirmDialog({ title: t('message.delete_title'), message: t('message.delete_confirm'), confirm: t('message.delete'), danger: true });
            if (yes) ctx.actions.remove(message).catch((e) => ctx.toast(errorText(e), { kind: 'error' }));
          },
        }, icon('trash')),
      );
    }
  }

  const header = compact
    ? null
    : h(
        'header',
        { class: 'message-header' },
        h('span', { class: 'author', id: headingId, text: name }),
        h('time', { datetime: message.created_at, title: fullDate(message.created_at), text: time(message.created_at) }),
      );

  return h(
    'article',
    {
      class: ['message', message.kind === 'note' && 'note', own && 'own', fromClient && 'from-client', compact && 'compact', pending && `is-${pending.status}`, deleted && 'deleted', pinned && 'pinned'],
      dataset: { id: message.id || '', clientId: message.client_id || '', seq: message.seq || '' },
      'aria-label': compact ? t('message.from', { name }) : null,
      'aria-labelledby': compact ? null : headingId,
      tabindex: '-1',
    },
    h(
      'div',
      { class: 'message-gutter' },
      compact
        ? h('time', { class: 'gutter-time', datetime: message.created_at, title: fullDate(message.created_at), text: time(message.created_at) })
        : avatar(message.author_id || (fromClient ? `client:${name}` : 'system'), name),
    ),
    h(
      'div',
      { class: 'message-main' },
      header,
      message.kind === 'note' ? h('span', { class: 'note-badge', title: t('message.note_hint') }, icon('lock'), t('message.note')) : null,
      message.reply_to_id && !deleted ? quoteNode(message) : null,
      body,
      !deleted && message.attachments?.length
        ? h('div', { class: 'attachments' }, message.attachments.map((a) => attachmentNode(ctx, a)))
        : null,
      h(
        'div',
        { class: 'message-meta' },
        message.edited_at && !deleted ? h('span', { class: 'edited', title: fullDate(message.edited_at), text: t('message.edited') }) : null,
        pinned ? h('span', { class: 'pinned-badge' }, icon('pin'), t('message.pinned')) : null,
        (own || message.delivery_status) && !deleted ? statusNode(message, options) : null,
      ),
      reactionsNode(ctx, message, meId),
      !inThread && message.reply_count > 0
        ? h(
            'button',
            { type: 'button', class: 'thread-link', onclick: () => ctx.actions.openThread(message.room_id, message.id) },
            icon('thread'),
            t('thread.replies', { count: message.reply_count }),
          )
        : null,
      pending?.status === 'failed'
        ? h(
            'div',
            { class: 'send-failed', role: 'alert' },
            icon('alert'),
            h('span', { text: t('status.failed') }),
            h('button', { type: 'button', class: 'link-button', text: t('action.retry'), onclick: () => ctx.actions.retry(message.room_id, message.client_id) }),
            h('button', { type: 'button', class: 'link-button', text: t('action.discard'), onclick: () => ctx.actions.discard(message.room_id, message.client_id) }),
          )
        : null,
    ),
    actions.length ? h('div', { class: 'message-actions', role: 'toolbar', 'aria-label': t('message.actions') }, actions) : null,
  );
}
