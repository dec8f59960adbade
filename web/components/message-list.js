// A scrolling list of messages, used by the room and the thread panel. It reuses the element
// of every message whose data did not change, puts day separators between days, keeps the
// view pinned to the bottom while the reader is there, keeps the reading position when older
// messages are added above, and reports reaching the top (load older) and the bottom (read).

import { h, mount } from './dom.js';
import { messageView } from './message.js';
import { day, dayKey } from '../lib/format.js';

const GROUP_WITHIN_MS = 5 * 60 * 1000;
const NEAR_TOP_PX = 160;
const AT_BOTTOM_PX = 48;

export function messageList(ctx, { label, onNearTop, onAtBottom, className = '' }) {
  const items = h('div', { class: 'message-items' });
  const top = h('div', { class: 'list-top' });
  const el = h(
    'div',
    { class: `message-list ${className}`, role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': label, tabindex: '0' },
    top,
    items,
  );
  const cache = new Map(); // key -> { el, signature }
  let stick = true;

  const atBottom = () => el.scrollHeight - el.scrollTop - el.clientHeight < AT_BOTTOM_PX;

  el.addEventListener('scroll', () => {
    stick = atBottom();
    if (el.scrollTop < NEAR_TOP_PX) onNearTop?.();
    if (stick) onAtBottom?.();
  }, { passive: true });

  /**
   * @param entries [{ message, pending?, pinned?, readBy? }] in display order
   * @param topNode what to show above the first message (loading, beginning, empty state)
   */
  function update(entries, topNode, { forceBottom = false } = {}) {
    const wasAtBottom = stick || atBottom();
    // The first message element in view and its distance from the top: kept in place.
    let anchor = null;
    let anchorOffset = 0;
    if (!wasAtBottom) {
      const viewTop = el.getBoundingClientRect().top;
      for (const child of items.children) {
        const rect = child.getBoundingClientRect();
        if (rect.bottom > viewTop) {
          anchor = child;
          anchorOffset = rect.top - viewTop;
          break;
        }
      }
    }

    mount(top, topNode || null);
    const nodes = [];
    const used = new Set();
    let previous = null;
    for (const entry of entries) {
      const { message } = entry;
      const currentDay = dayKey(message.created_at);
      if (!previous || dayKey(previous.created_at) !== currentDay) {
        const key = `day:${currentDay}`;
        used.add(key);
        let node = cache.get(key)?.el;
        if (!node || cache.get(key).signature !== `${day(message.created_at)}`) {
          node = h('div', { class: 'day-separator', role: 'separator' }, h('span', { text: day(message.created_at) }));
          cache.set(key, { el: node, signature: day(message.created_at) });
        }
        nodes.push(node);
        previous = null;
      }
      const compact = Boolean(
        previous &&
          previous.author_id === message.author_id &&
          !previous.deleted_at &&
          new Date(message.created_at) - new Date(previous.created_at) < GROUP_WITHIN_MS,
      );
      const key = message.id ? `m:${message.id}` : `p:${message.client_id}`;
      const signature = [compact, entry.pending?.status, entry.pinned, entry.readBy, message.reply_count];
      const cached = cache.get(key);
      let node;
      if (cached && cached.message === message && cached.signature.join() === signature.join() && !cached.el.querySelector('.edit-field')) {
        node = cached.el;
      } else if (cached?.el.querySelector('.edit-field') && cached.message === message) {
        node = cached.el; // being edited: keep the editor
      } else {
        node = messageView(ctx, message, { ...entry, compact, inThread: entry.inThread });
        cache.set(key, { el: node, message, signature });
      }
      used.add(key);
      nodes.push(node);
      previous = message;
    }
    for (const key of [...cache.keys()]) if (!used.has(key)) cache.delete(key);
    // Reorder only what moved: keeps focus and hover on untouched messages.
    let cursor = items.firstChild;
    for (const node of nodes) {
      if (node === cursor) {
        cursor = cursor.nextSibling;
      } else {
        items.insertBefore(node, cursor);
      }
    }
    while (cursor) {
      const next = cursor.nextSibling;
      cursor.remove();
      cursor = next;
    }

    if (forceBottom || wasAtBottom) {
      el.scrollTop = el.scrollHeight;
      stick = true;
    } else if (anchor && document.contains(anchor)) {
      const viewTop = el.getBoundingClientRect().top;
      el.scrollTop += anchor.getBoundingClientRect().top - viewTop - anchorOffset;
    }
  }

  return {
    el,
    update,
    isAtBottom: () => stick && atBottom(),
    scrollToBottom() {
      el.scrollTop = el.scrollHeight;
      stick = true;
    },
    /** Scrolls a message into view and highlights it briefly. */
    reveal(messageId) {
      const node = items.querySelector(`[data-id="${CSS.escape(messageId)}"]`);
      if (!node) return false;
      node.scrollIntoView({ block: 'center' });
      node.classList.add('highlight');
      node.focus({ preventScroll: true });
      setTimeout(() => node.classList.remove('highlight'), 2000);
      stick = atBottom();
      return true;
    },
  };
}
