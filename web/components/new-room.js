// Creating a group (always private) or a channel (public unless marked private), with its
// first members.

import { h, mount } from './dom.js';
import { openModal } from './modal.js';
import { knownPeople, personOption } from './new-dm.js';
import { t } from '../lib/i18n.js';
import { errorText } from '../lib/format.js';
import { navigate } from '../lib/router.js';

export function openNewRoom(ctx, kind = 'group') {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'room-name', required: true, maxlength: 80, autofocus: true, autocomplete: 'off' });
  const topic = h('input', { id: 'room-topic', maxlength: 250, autocomplete: 'off' });
  const isPrivate = h('input', { type: 'checkbox', id: 'room-private' });
  const privateRow = h('div', { class: 'check-row' }, isPrivate, h('label', { for: 'room-private', text: t('new_room.private') }));
  const kindGroup = h('input', { type: 'radio', name: 'kind', id: 'kind-group', value: 'group', checked: kind === 'group' });
  const kindChannel = h('input', { type: 'radio', name: 'kind', id: 'kind-channel', value: 'channel', checked: kind === 'channel' });
  const people = h('ul', { class: 'people-list checklist', 'aria-label': t('new_room.members') });
  const chosen = new Set();
  const submit = h('button', { type: 'submit', class: 'button primary', text: t('new_room.create') });

  const syncKind = () => {
    privateRow.hidden = !kindChannel.checked;
  };
  kindGroup.addEventListener('change', syncKind);
  kindChannel.addEventListener('change', syncKind);
  syncKind();

  async function onSubmit(event) {
    event.preventDefault();
    error.textContent = '';
    if (!name.value.trim()) {
      error.textContent = t('new_room.name_required');
      name.focus();
      return;
    }
    submit.disabled = true;
    try {
      const room = await ctx.actions.createRoom({
        kind: kindChannel.checked ? 'channel' : 'group',
        name: name.value.trim(),
        topic: topic.value.trim() || null,
        private: kindChannel.checked ? isPrivate.checked : true,
        members: [...chosen],
      });
      modal.close();
      navigate('chat', { roomId: room.id });
    } catch (failure) {
      error.textContent = errorText(failure);
    } finally {
      submit.disabled = false;
    }
  }

  const form = h(
    'form',
    { class: 'stack-form', onsubmit: onSubmit },
    h(
      'fieldset',
      { class: 'segmented' },
      h('legend', { text: t('new_room.kind') }),
      kindGroup,
      h('label', { for: 'kind-group', text: t('new_room.group') }),
      kindChannel,
      h('label', { for: 'kind-channel', text: t('new_room.channel') }),
    ),
    h('label', { for: 'room-name', text: t('new_room.name') }),
    name,
    h('label', { for: 'room-topic', text: t('new_room.topic') }),
    topic,
    privateRow,
    h('h3', { class: 'form-subtitle', text: t('new_room.members') }),
    people,
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), submit),
  );
  const modal = openModal({ title: t(kind === 'channel' ? 'new_room.title_channel' : 'new_room.title_group'), body: form });
  mount(people, h('li', { class: 'muted', text: t('room.loading') }));
  knownPeople(ctx).then((found) => {
    mount(
      people,
      found.length
        ? found.map((person) => {
            const box = h('input', {
              type: 'checkbox',
              onchange: (event) => (event.target.checked ? chosen.add(person.id) : chosen.delete(person.id)),
            });
            return personOption(person, { checkbox: box });
          })
        : h('li', { class: 'muted', text: t('people.nobody') }),
    );
  });
  return modal;
}
