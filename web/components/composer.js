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
/** Emoji the palette offers, the everyday ones of a work chat. */
const EMOJI = ['👍', '👌', '🙏', '😊', '😂', '😉', '🙂', '😅', '🤔', '😮', '😢', '😡', '❤️', '🎉', '🔥', '✅', '❌', '⚠️', '👀', '💡', '📎', '📞', '⏰', '🚀'];

let directoryRequest = null;
/** Every active colleague (id, login, name), fetched once per page. */
function directory(ctx) {
  directoryRequest ||= ctx.api.directory().catch((error) => {
    directoryRequest = null;
    throw error;
  });
  return directoryRequest;
}

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

  // Suggestions under the caret: canned responses for "/ship" at the start (the text replaces
  // the field), colleagues for "@an" anywhere (their @login replaces the word). Arrows pick,
  // Enter or Tab takes one, Esc closes; a late answer for an older prefix is dropped.
  const suggestMenu = h('ul', { class: 'canned-menu', role: 'listbox', id: `${fieldId}-suggest`, hidden: true });
  let suggestions = []; // { label, detail, apply }
  let suggestIndex = 0;
  let suggestAsked = null;
  let suggestTimer = null;
  field.setAttribute('aria-controls', suggestMenu.id);
  field.setAttribute('aria-autocomplete', 'list');
  field.setAttribute('aria-expanded', 'false');

  /** What the text before the caret asks for: `{ kind, prefix, start }` or null. */
  function suggestionQuery() {
    if (canned && /^\/\S*$/.test(field.value)) return { kind: 'canned', prefix: field.value.slice(1), start: 0 };
    const before = field.value.slice(0, field.selectionStart ?? field.value.length);
    const mention = /(^|\s)@([\p{L}\p{N}._-]*)$/u.exec(before);
    if (mention) return { kind: 'mention', prefix: mention[2], start: before.length - mention[2].length - 1 };
    return null;
  }

  async function cannedItems(prefix) {
    const items = await ctx.api.canned(prefix);
    return items.map((item) => ({ label: `/${item.shortcut}`, detail: item.body, apply: () => replaceWith(item.body) }));
  }

  async function mentionItems(prefix, start) {
    const people = await directory(ctx);
    const members = store.state.members.get(roomId);
    const me = store.state.session.user.id;
    const wanted = prefix.toLowerCase();
    return people
      .filter((person) => person.id !== me && (!members || members.includes(person.id)))
      .filter((person) => person.login.toLowerCase().startsWith(wanted) || person.display_name.toLowerCase().split(/\s+/).some((word) => word.startsWith(wanted)))
      .slice(0, 8)
      .map((person) => ({ label: person.display_name, detail: `@${person.login}`, apply: () => insertMention(start, person.login) }));
  }

  async function lookupSuggestions() {
    const query = suggestionQuery();
    if (!query) return closeSuggestions();
    const asked = `${query.kind}:${query.start}:${query.prefix}`;
    suggestAsked = asked;
    try {
      const items = query.kind === 'canned' ? await cannedItems(query.prefix) : await mentionItems(query.prefix, query.start);
      if (suggestAsked !== asked) return;
      suggestions = items;
      suggestIndex = 0;
      suggestMenu.setAttribute('aria-label', t(query.kind === 'canned' ? 'canned.menu' : 'mention.menu'));
      renderSuggestions();
    } catch (error) {
      ctx.toast(errorText(error), { kind: 'error' });
      closeSuggestions();
    }
  }

  function renderSuggestions() {
    suggestMenu.hidden = !suggestions.length;
    field.setAttribute('aria-expanded', String(!suggestMenu.hidden));
    suggestMenu.replaceChildren(
      ...suggestions.map((item, index) =>
        h(
          'li',
          {
            role: 'option',
            id: `${fieldId}-suggest-${index}`,
            class: 'canned-option',
            'aria-selected': String(index === suggestIndex),
            onmousedown: (event) => {
              event.preventDefault();
              take(item);
            },
          },
          h('strong', { text: item.label }),
          h('span', { text: item.detail }),
        ),
      ),
    );
    if (suggestions.length) field.setAttribute('aria-activedescendant', `${fieldId}-suggest-${suggestIndex}`);
    else field.removeAttribute('aria-activedescendant');
  }

  function closeSuggestions() {
    suggestions = [];
    suggestAsked = null;
    renderSuggestions();
  }

  function take(item) {
    item.apply();
    store.state.drafts.set(draftKey, field.value);
    closeSuggestions();
    resize();
    refresh();
    field.focus();
  }

  function replaceWith(text) {
    field.value = text;
  }

  function insertMention(start, login) {
    const end = field.selectionStart ?? field.value.length;
    const inserted = `@${login} `;
    field.value = field.value.slice(0, start) + inserted + field.value.slice(end);
    field.setSelectionRange(start + inserted.length, start + inserted.length);
  }

  // An emoji at the caret, from a small palette.
  const emojiButton = h(
    'button',
    { type: 'button', class: 'icon-button', 'aria-label': t('composer.emoji'), title: t('composer.emoji'), 'aria-haspopup': 'true', disabled: readOnly, onclick: () => toggleEmoji() },
    icon('smile'),
  );
  const emojiPalette = h(
    'div',
    { class: 'emoji-palette', role: 'group', 'aria-label': t('composer.emoji'), hidden: true },
    EMOJI.map((emoji) => h('button', { type: 'button', class: 'emoji-choice', text: emoji, 'aria-label': emoji, onclick: () => insertEmoji(emoji) })),
  );
  function toggleEmoji(open = emojiPalette.hidden) {
    emojiPalette.hidden = !open;
    emojiButton.setAttribute('aria-expanded', String(open));
    if (open) emojiPalette.querySelector('button')?.focus();
  }
  function insertEmoji(emoji) {
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    field.value = field.value.slice(0, start) + emoji + field.value.slice(end);
    field.setSelectionRange(start + emoji.length, start + emoji.length);
    store.state.drafts.set(draftKey, field.value);
    toggleEmoji(false);
    resize();
    refresh();
    field.focus();
  }
  emojiPalette.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      toggleEmoji(false);
      field.focus();
    }
  });

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
    if (suggestions.length) {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        suggestIndex = (suggestIndex + moves[event.key] + suggestions.length) % suggestions.length;
        renderSuggestions();
        return;
      }
      if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
        event.preventDefault();
        take(suggestions[suggestIndex]);
        return;
      }
      if (event.key === 'Escape') {
        event.stopPropagation();
        closeSuggestions();
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
    clearTimeout(suggestTimer);
    if (suggestionQuery()) suggestTimer = setTimeout(lookupSuggestions, 120);
    else closeSuggestions();
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
    suggestMenu,
    emojiPalette,
    quoteBar,
    chips,
    h('div', { class: 'composer-row' }, files ? attachButton : null, field, emojiButton, sendButton),
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
