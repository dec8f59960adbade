// Ctrl+K: a filterable list of every room; arrows move, Enter opens, Esc closes.

import { h, mount } from './dom.js';
import { roomIcon } from './avatar.js';
import { openModal } from './modal.js';
import { store, unreadOf } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { roomName } from '../lib/format.js';
import { navigate } from '../lib/router.js';

export function openQuickSwitcher() {
  const input = h('input', {
    type: 'text',
    class: 'switcher-field',
    role: 'combobox',
    'aria-expanded': 'true',
    'aria-controls': 'switcher-list',
    'aria-autocomplete': 'list',
    'aria-label': t('switcher.label'),
    placeholder: t('switcher.placeholder'),
    autocomplete: 'off',
    autofocus: true,
  });
  const list = h('ul', { id: 'switcher-list', role: 'listbox', class: 'switcher-list', 'aria-label': t('switcher.label') });
  let matches = [];
  let active = 0;

  function choose(room) {
    modal.close();
    navigate(room.kind === 'open_line' ? 'inbox' : 'chat', { roomId: room.id });
  }

  function render() {
    const query = input.value.trim().toLocaleLowerCase();
    matches = [...store.state.rooms.values()]
      .filter((room) => !query || roomName(room).toLocaleLowerCase().includes(query))
      .sort((a, b) => unreadOf(b) - unreadOf(a) || String(b.activity).localeCompare(String(a.activity)))
      .slice(0, 30);
    active = Math.min(active, Math.max(0, matches.length - 1));
    mount(
      list,
      matches.length
        ? matches.map((room, index) =>
            h(
              'li',
              {
                id: `switcher-${room.id}`,
                role: 'option',
                class: ['switcher-option', index === active && 'active'],
                'aria-selected': index === active ? 'true' : 'false',
                onclick: () => choose(room),
              },
              roomIcon(room),
              h('span', { class: 'room-link-name', text: roomName(room) }),
              unreadOf(room) ? h('span', { class: 'badge', text: String(unreadOf(room)) }) : null,
            ),
          )
        : h('li', { class: 'switcher-empty', text: t('switcher.nothing') }),
    );
    if (matches[active]) input.setAttribute('aria-activedescendant', `switcher-${matches[active].id}`);
    else input.removeAttribute('aria-activedescendant');
    list.querySelector('.active')?.scrollIntoView({ block: 'nearest' });
  }

  input.addEventListener('input', () => {
    active = 0;
    render();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      active = (active + step + matches.length) % Math.max(1, matches.length);
      render();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (matches[active]) choose(matches[active]);
    }
  });
  const modal = openModal({ title: t('switcher.title'), className: 'modal-switcher', body: [input, list] });
  render();
  return modal;
}
