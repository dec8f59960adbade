// Modal dialogs on the native <dialog>: it keeps focus inside, closes on Esc, and returns
// focus to where it was. `openModal` resolves when the dialog closes.

import { h, icon } from './dom.js';
import { t } from '../lib/i18n.js';

export function openModal({ title, body, className = '', onClose, labelledBy }) {
  const titleId = labelledBy || `dlg-${Math.random().toString(36).slice(2)}`;
  const previous = document.activeElement;
  const closeButton = h(
    'button',
    { type: 'button', class: 'icon-button', 'aria-label': t('action.close'), onclick: () => close() },
    icon('close'),
  );
  const dialog = h(
    'dialog',
    { class: `modal ${className}`, 'aria-labelledby': titleId },
    h('header', { class: 'modal-header' }, h('h2', { id: titleId, text: title }), closeButton),
    h('div', { class: 'modal-body' }, body),
  );
  let closed = false;
  function close(value) {
    if (closed) return;
    closed = true;
    dialog.close();
    dialog.remove();
    if (previous && document.contains(previous)) previous.focus();
    onClose?.(value);
  }
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) close(); // the backdrop
  });
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector('[autofocus], input, textarea, select');
  (first || closeButton).focus();
  return { dialog, close };
}

/** A yes/no question; resolves true when confirmed. */
export function confirmDialog({ title, message, confirm, danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = h('button', {
      type: 'button',
      class: danger ? 'button danger' : 'button primary',
      text: confirm,
      onclick: () => {
        answer = true;
        modal.close();
      },
    });
    const modal = openModal({
      title,
      className: 'modal-small',
      body: [
        h('p', { text: message }),
        h(
          'div',
          { class: 'modal-actions' },
          h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }),
          ok,
        ),
      ],
      onClose: () => resolve(answer),
    });
    ok.focus();
  });
}
