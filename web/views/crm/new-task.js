// The "New task" dialog: a title, an optional deadline and who does it (the user by default),
// about one record (`entity`: `{kind, id}`, e.g. a contact). A value the server refuses is
// marked at its field.

import { h } from '../../components/dom.js';
import { openModal } from '../../components/modal.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText } from '../../lib/format.js';
import { markInvalid, clearInvalid, userSelect } from './form.js';

export function openNewTask(ctx, entity, onCreated) {
  const title = h('input', { id: 'new-task-title', name: 'title', required: true, maxlength: 300, autocomplete: 'off' });
  const deadline = h('input', { id: 'new-task-deadline', name: 'deadline', type: 'datetime-local' });
  const responsible = userSelect({ id: 'new-task-responsible', name: 'responsible_id' }, store.state.session.user.id);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary', text: t('crm.task.create') });
  const form = h(
    'form',
    {
      class: 'crm-form',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        clearInvalid(form);
        error.textContent = '';
        if (!title.value.trim()) {
          markInvalid(form, { title: true });
          error.textContent = t('crm.task.title_required');
          title.focus();
          return;
        }
        submit.disabled = true;
        const body = { title: title.value.trim(), entity_kind: entity.kind, entity_id: entity.id };
        // The field holds local wall-clock time; the server takes an instant.
        if (deadline.value) body.deadline = new Date(deadline.value).toISOString();
        if (responsible.value) body.responsible_id = responsible.value;
        try {
          const task = await ctx.crm.createTask(body);
          modal.close();
          ctx.toast(t('crm.task.created', { title: task.title }));
          onCreated(task);
        } catch (failure) {
          markInvalid(form, failure.fields);
          error.textContent = errorText(failure);
          submit.disabled = false;
        }
      },
    },
    h('label', { for: title.id, text: t('crm.task.title') }),
    title,
    h('label', { for: deadline.id, text: t('crm.task.deadline') }),
    deadline,
    h('label', { for: responsible.id, text: t('contact.responsible') }),
    responsible,
    error,
    h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), submit),
  );
  const modal = openModal({ title: t('crm.task.new'), body: form });
  title.focus();
}
