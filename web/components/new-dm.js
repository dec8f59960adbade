// Starting a DM. Admins pick from every account (GET /api/v1/users); other roles have no
// directory in the API, so they pick from the members of rooms they share, or paste an id.

import { h, mount } from './dom.js';
import { avatar, presenceDot } from './avatar.js';
import { openModal } from './modal.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { userName, errorText } from '../lib/format.js';
import { loadMembers } from '../lib/sync.js';
import { navigate } from '../lib/router.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Everyone the user can pick: the directory, or the members of shared rooms. */
export async function knownPeople(ctx) {
  const { session, users, directoryComplete, rooms, members } = store.state;
  if (!directoryComplete) {
    const missing = [...rooms.values()].filter((r) => !members.has(r.id)).slice(0, 30);
    await Promise.all(missing.map((room) => loadMembers(ctx, room.id)));
  }
  const ids = new Set(directoryComplete ? [...users.values()].filter((u) => !u.disabled).map((u) => u.id) : []);
  for (const list of store.state.members.values()) for (const id of list) ids.add(id);
  ids.delete(session.user.id);
  return [...ids]
    .map((id) => ({ id, name: userName(id), login: users.get(id)?.login || '' }))
    .sort((a, b) => a.name.localeCompare(b.name, store.state.lang));
}

export function personOption(person, { onPick, checkbox = null }) {
  return h(
    'li',
    null,
    h(
      checkbox ? 'label' : 'button',
      checkbox ? { class: 'person' } : { type: 'button', class: 'person', onclick: () => onPick(person) },
      checkbox,
      h('span', { class: 'avatar-wrap' }, avatar(person.id, person.name, { size: 'sm' }), presenceDot(person.id)),
      h('span', { class: 'person-name', text: person.name }),
      person.login ? h('span', { class: 'muted', text: `@${person.login}` }) : null,
    ),
  );
}

export function openNewDm(ctx) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const filter = h('input', { type: 'search', class: 'filter-field', placeholder: t('people.filter'), 'aria-label': t('people.filter'), autofocus: true });
  const list = h('ul', { class: 'people-list', 'aria-label': t('people.label') });
  const idField = h('input', { id: 'dm-user-id', class: 'mono', placeholder: '0192…', autocomplete: 'off', spellcheck: 'false' });
  let people = [];

  async function pick(person) {
    error.textContent = '';
    try {
      const room = await ctx.actions.openDm(person.id);
      modal.close();
      navigate('chat', { roomId: room.id });
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  }

  function render() {
    const query = filter.value.trim().toLocaleLowerCase();
    const shown = people.filter((p) => !query || p.name.toLocaleLowerCase().includes(query) || p.login.includes(query));
    mount(list, shown.length ? shown.map((p) => personOption(p, { onPick: pick })) : h('li', { class: 'muted', text: t('people.nobody') }));
  }

  const byId = store.state.directoryComplete
    ? null
    : h(
        'form',
        {
          class: 'by-id',
          onsubmit: (event) => {
            event.preventDefault();
            const id = idField.value.trim();
            if (!UUID.test(id)) {
              error.textContent = t('people.bad_id');
              return;
            }
            pick({ id });
          },
        },
        h('label', { for: 'dm-user-id', text: t('people.by_id') }),
        h('p', { class: 'hint', text: t('people.by_id_hint') }),
        h('div', { class: 'inline-form' }, idField, h('button', { type: 'submit', class: 'button', text: t('people.open') })),
      );

  filter.addEventListener('input', render);
  const modal = openModal({ title: t('dm.title'), body: [filter, list, byId, error] });
  mount(list, h('li', { class: 'muted', text: t('room.loading') }));
  knownPeople(ctx).then((found) => {
    people = found;
    render();
  });
  return modal;
}
