// Short notices at the bottom of the screen, read out by screen readers.

import { h } from './dom.js';

let region = null;

export function toast(text, { kind = 'info', timeout = 5000 } = {}) {
  if (!region || !document.contains(region)) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  const item = h('div', { class: `toast toast-${kind}`, text });
  region.append(item);
  setTimeout(() => item.remove(), timeout);
}
