// The message composer: Enter sends, Shift+Enter starts a new line; files are uploaded as
// soon as they are picked, dropped or pasted, and sent with the message. Typing tells the room
// (throttled in actions.typing). The unsent text survives re-renders as a draft.

import { h, icon } from './dom.js';
import { t } from '../lib/i18n.js';
import { store } from '../lib/store.js';
import { size, errorText, userName } from '../lib/format.js';
import { gist } from './message.js';
import { MAX_BODY } from '../lib/actions.js';

/** `files: false` leaves out attaching (replies to clients go out as text only). */
/** With `scope` (the view's subscriptions) the composer shows and sends the quote that a
 * message's reply button set for the room. */
/** `canned: true` offers the user's canned responses when the text starts with `/`. */
export function composer(ctx, { roomId, threadRootId = null, label, placeholder, draftKey, readOnly = false, files = true, scope = null, canned = false }) {
  const uploads = []; // { id, file, status: uploading | done | failed, attachment }
  let counter = 0;
  const fieldId = `composer-${Math.random().toString(36).slice(2)}`;
  const field = h('textarea', {
    id: fieldId,
    class: 'composer-field',
    rows: 1,
    placeholder,
    'aria-label': label,
    maxlength: MAX_BODY,
    disabled: readOnly,
  });
  field.value = store.state.drafts.get(draftKey) || '';
  const fileInput = h('input', { type: 'file', multiple: true, class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
  const chips = h('ul', { class: 'upload-chips', 'aria-label': t('composer.attachments') });
  const sendButton = h('button', { type: 'submit', class: 'send-button', 'aria-label': t('composer.send'), title: t('composer.send_hint') }, icon('send'));
  const attachButton = h(
    'button',
    { type: 'button', class: 'icon-button', 'aria-label': t('composer.attach'), title: t('composer.attach'), disabled: readOnly, onclick: () => fileInput.click() },
    icon('attach'),
  );

  // Canned responses: "/ship" lists those whose shortcut starts with "ship"; arrows pick,
  // Enter or Tab puts the text in the field for a last edit before sending.
  const cannedMenu = h('ul', { class: 'canned-menu', role: 'listbox', id: `${fieldId}-canned`, hidden: true, 'aria-label': t('canned.menu') });
  let cannedItems = [];
  let cannedIndex = 0;
  let cannedAsked = null;
  let cannedTimer = null;
  if (canned) {
    field.setAttribute('aria-controls', cannedMenu.id);
    field.setAttribute('aria-autocomplete', 'list');
    field.setAttribute('aria-expanded', 'false');
  }
  function cannedPrefix() {
    return canned && /^\/\S*$/.test(field.value) ? field.value.slice(1) : null;
  }
  async function lookupCanned() {
    const prefix = cannedPrefix();
    if (prefix === null) return closeCanned();
    cannedAsked = prefix;
    try {
      const items = await ctx.api.canned(prefix);
      if (cannedAsked !== prefix) return;
      cannedItems = items;
      cannedIndex = 0;
      renderCanned();
    } catch (error) {
      ctx.toast(errorText(error), { kind: 'error' });
      closeCanned();
    }
  }
  function renderCanned() {
    cannedMenu.hidden = !cannedItems.length;
    if (canned) field.setAttribute('aria-expanded', String(!cannedMenu.hidden));
    cannedMenu.replaceChildren(
      ...cannedItems.map((item, index) =>
        h(
          'li',
          {
            role: 'option',
            id: `${fieldId}-canned-${index}`,
            class: 'canned-option',
            'aria-selected': String(index === cannedIndex),
            onmousedown: (event) => {
              event.preventDefault();
              insertCanned(item);
            },
          },
          h('strong', { text: `/${item.shortcut}` }),
          h('span', { text: item.body }),
        ),
      ),
    );
    if (cannedItems.length) field.setAttribute('aria-activedescendant', `${fieldId}-canned-${cannedIndex}`);
    else field.removeAttribute('aria-activedescendant');
  }
  function closeCanned() {
    cannedItems = [];
    cannedAsked = null;
    renderCanned();
  }
  function insertCanned(item) {
    field.value = item.body;
    store.state.drafts.set(draftKey, field.value);
    closeCanned();
    resize();
    refresh();
    field.focus();
  }

  const quoteBar = h('div', { class: 'composer-quote', hidden: true });
  function renderQuote() {
    const quoted = scope ? store.state.quoting.get(roomId) : null;
    quoteBar.hidden = !quoted;
    if (!quoted) return quoteBar.replaceChildren();
    quoteBar.replaceChildren(
      icon('reply'),
      h(
        'div',
        { class: 'composer-quote-text' },
        h('strong', { text: t('composer.replying_to', { name: quoted.author_id ? userName(quoted.author_id) : quoted.sender_name || t('inbox.client') }) }),
        h('span', { text: gist(quoted) }),
      ),
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': t('composer.cancel_reply'), title: t('composer.cancel_reply'), onclick: () => ctx.actions.quote(roomId, null) }, icon('close')),
    );
    field.focus();
  }
  if (scope) scope.on(`quote:${roomId}`, renderQuote);

  function resize() {
    field.style.height = 'auto';
    field.style.height = `${Math.min(field.scrollHeight, 200)}px`;
  }

  function refresh() {
    chips.replaceChildren(
      ...uploads.map((upload) =>
        h(
          'li',
          { class: `upload-chip is-${upload.status}` },
          icon(upload.status === 'failed' ? 'alert' : 'file'),
          h('span', { class: 'file-name', text: upload.file.name }),
          h('span', {
            class: 'file-size',
            text:
              upload.status === 'uploading'
                ? t('composer.uploading')
                : upload.status === 'failed'
                  ? upload.error
                  : size(upload.file.size),
          }),
          h(
            'button',
            {
              type: 'button',
              class: 'icon-button small',
              'aria-label': t('composer.remove_file', { name: upload.file.name }),
              onclick: () => {
                uploads.splice(uploads.indexOf(upload), 1);
                refresh();
                field.focus();
              },
            },
            icon('close'),
          ),
        ),
      ),
    );
    chips.hidden = uploads.length === 0;
    const busy = uploads.some((u) => u.status === 'uploading');
    const ready = uploads.some((u) => u.status === 'done');
    sendButton.disabled = readOnly || busy || (!field.value.trim() && !ready);
  }

  async function addFiles(files) {
    for (const file of files) {
      const upload = { id: (counter += 1), file, status: 'uploading' };
      uploads.push(upload);
      refresh();
      ctx.api.upload(file).then(
        (attachment) => {
          Object.assign(upload, { status: 'done', attachment });
          refresh();
        },
        (error) => {
          Object.assign(upload, { status: 'failed', error: errorText(error) });
          refresh();
        },
      );
    }
  }

  function submit() {
    const body = field.value.replace(/\s+$/, '').replace(/^\s*\n/, '');
    const attachments = uploads
      .filter((u) => u.status === 'done')
      .map(({ attachment: a }) => ({ id: a.id, file_name: a.file_name, content_type: a.content_type, size_bytes: a.size_bytes }));
    if (readOnly || uploads.some((u) => u.status === 'uploading')) return;
    if (!body.trim() && !attachments.length) return;
    if ([...body].length > MAX_BODY) {
      ctx.toast(t('composer.too_long', { count: MAX_BODY }), { kind: 'error' });
      return;
    }
    const replyToId = scope ? store.state.quoting.get(roomId)?.id || null : null;
    ctx.actions.send(roomId, { body: body.trim() ? body : '', attachments, threadRootId, replyToId });
    if (replyToId) ctx.actions.quote(roomId, null);
    field.value = '';
    store.state.drafts.delete(draftKey);
    uploads.splice(0);
    resize();
    refresh();
  }

  field.addEventListener('keydown', (event) => {
    if (cannedItems.length) {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        cannedIndex = (cannedIndex + moves[event.key] + cannedItems.length) % cannedItems.length;
        renderCanned();
        return;
      }
      if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
        event.preventDefault();
        insertCanned(cannedItems[cannedIndex]);
        return;
      }
      if (event.key === 'Escape') {
        event.stopPropagation();
        closeCanned();
        return;
      }
    }
    if (event.key === 'Escape' && scope && store.state.quoting.has(roomId)) {
      event.stopPropagation();
      ctx.actions.quote(roomId, null);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  field.addEventListener('input', () => {
    store.state.drafts.set(draftKey, field.value);
    resize();
    refresh();
    if (field.value.trim()) ctx.actions.typing(roomId);
    if (canned) {
      clearTimeout(cannedTimer);
      if (cannedPrefix() === null) closeCanned();
      else cannedTimer = setTimeout(lookupCanned, 120);
    }
  });
  field.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length) {
      event.preventDefault();
      addFiles(files);
    }
  });
  fileInput.addEventListener('change', () => {
    addFiles([...fileInput.files]);
    fileInput.value = '';
    field.focus();
  });

  const form = h(
    'form',
    {
      class: 'composer',
      onsubmit: (event) => {
        event.preventDefault();
        submit();
      },
    },
    cannedMenu,
    quoteBar,
    chips,
    h('div', { class: 'composer-row' }, files ? attachButton : null, field, sendButton),
    fileInput,
  );
  form.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) {
      event.preventDefault();
      form.classList.add('dragging');
    }
  });
  form.addEventListener('dragleave', () => form.classList.remove('dragging'));
  form.addEventListener('drop', (event) => {
    form.classList.remove('dragging');
    if (event.dataTransfer?.files.length) {
      event.preventDefault();
      addFiles([...event.dataTransfer.files]);
    }
  });
  refresh();
  renderQuote();
  queueMicrotask(resize);
  return { el: form, focus: () => field.focus(), field, addFiles };
}
