// The dialogs behind an operator's conversation actions: transfer (to a colleague on the
// line, who is shown with their presence and load, or to another line's queue, with a note),
// a private note, labels and snooze. Each resolves when it closed; errors stay in the
// dialog so the operator can correct and retry.

import { h } from './dom.js';
import { openModal } from './modal.js';
import { t } from '../lib/i18n.js';
import { errorText, userName } from '../lib/format.js';

/** A dialog holding one form: `submit(form)` runs on save; an error is shown in place. */
function formDialog({ title, fields, submitLabel, submit }) {
  return new Promise((resolve) => {
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'button primary', text: submitLabel });
    const form = h(
      'form',
      {
        class: 'dialog-form',
        onsubmit: async (event) => {
          event.preventDefault();
          save.disabled = true;
          error.hidden = true;
          try {
            await submit(form);
            done = true;
            modal.close();
          } catch (failure) {
            error.textContent = errorText(failure);
            error.hidden = false;
          } finally {
            save.disabled = false;
          }
        },
      },
      fields,
      error,
      h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button', text: t('action.cancel'), onclick: () => modal.close() }), save),
    );
    let done = false;
    const modal = openModal({ title, body: form, className: 'modal-small', onClose: () => resolve(done) });
  });
}

function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label', text: label }), control, hint ? h('span', { class: 'field-hint', text: hint }) : null);
}

export async function transferDialog(ctx, row) {
  const options = await ctx.api.transferOptions(row.room_id);
  const target = h('select', { name: 'target', required: true, autofocus: true });
  target.append(h('option', { value: '', text: t('transfer.choose') }));
  if (options.operators.length) {
    const group = h('optgroup', { label: t('transfer.colleagues') });
    for (const operator of options.operators) {
      const presence = t(`presence.${operator.presence}`);
      const load = t('transfer.load', { count: operator.open_conversations });
      group.append(h('option', { value: `operator:${operator.user_id}`, text: `${operator.display_name || userName(operator.user_id)} — ${presence}, ${load}` }));
    }
    target.append(group);
  }
  if (options.lines.length) {
    const group = h('optgroup', { label: t('transfer.lines') });
    for (const line of options.lines) group.append(h('option', { value: `line:${line.id}`, text: t('transfer.to_line', { name: line.name }) }));
    target.append(group);
  }
  const note = h('textarea', { name: 'note', rows: 3, maxlength: 10000 });
  return formDialog({
    title: t('transfer.title'),
    submitLabel: t('transfer.submit'),
    fields: [
      options.operators.length || options.lines.length ? null : h('p', { class: 'muted', text: t('transfer.nobody') }),
      field(t('transfer.target'), target),
      field(t('transfer.note'), note, t('transfer.note_hint')),
    ],
    submit: async () => {
      const [kind, id] = target.value.split(':');
      const body = kind === 'line' ? { line_id: id } : { operator_id: id };
      if (note.value.trim()) body.note = note.value.trim();
      await ctx.inbox.transfer(row, body);
    },
  });
}

export function noteDialog(ctx, row) {
  const body = h('textarea', { name: 'body', rows: 4, required: true, maxlength: 10000, autofocus: true });
  return formDialog({
    title: t('note.title'),
    submitLabel: t('note.submit'),
    fields: [h('p', { class: 'muted', text: t('note.explain') }), field(t('note.body'), body)],
    submit: () => ctx.inbox.note(row, body.value.trim()),
  });
}

export function labelsDialog(ctx, row) {
  const input = h('input', { name: 'label', maxlength: 50, autofocus: true, autocomplete: 'off' });
  const current = h('ul', { class: 'label-chips' });
  function renderCurrent(labels) {
    current.replaceChildren(
      ...labels.map((label) =>
        h(
          'li',
          { class: 'label-chip' },
          h('span', { text: label }),
          h('button', {
            type: 'button',
            class: 'link-button',
            'aria-label': t('labels.remove', { label }),
            text: '×',
            onclick: async () => {
              await ctx.inbox.removeLabel(row, label);
              labels.splice(labels.indexOf(label), 1);
              renderCurrent(labels);
            },
          }),
        ),
      ),
    );
  }
  const labels = [...(row.labels || [])];
  renderCurrent(labels);
  return formDialog({
    title: t('labels.title'),
    submitLabel: t('labels.add'),
    fields: [current, field(t('labels.new'), input, t('labels.hint'))],
    submit: async () => {
      const label = input.value.trim();
      if (label) await ctx.inbox.addLabel(row, label);
    },
  });
}

/** Tomorrow at nine, local time. */
function tomorrowMorning() {
  const at = new Date();
  at.setDate(at.getDate() + 1);
  at.setHours(9, 0, 0, 0);
  return at;
}

/** A `datetime-local` value for a date, in local time. */
function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function snoozeDialog(ctx, row) {
  const presets = [
    ['snooze.hour', () => new Date(Date.now() + 3600_000)],
    ['snooze.three_hours', () => new Date(Date.now() + 3 * 3600_000)],
    ['snooze.tomorrow', tomorrowMorning],
  ];
  const when = h('input', { type: 'datetime-local', name: 'until', required: true, value: localInput(new Date(Date.now() + 3600_000)), autofocus: true });
  const quick = h(
    'div',
    { class: 'preset-row', role: 'group', 'aria-label': t('snooze.presets') },
    presets.map(([label, at]) => h('button', { type: 'button', class: 'button small', text: t(label), onclick: () => (when.value = localInput(at())) })),
  );
  return formDialog({
    title: t('snooze.title'),
    submitLabel: t('snooze.submit'),
    fields: [h('p', { class: 'muted', text: t('snooze.explain') }), quick, field(t('snooze.until'), when)],
    submit: () => ctx.inbox.snooze(row, new Date(when.value).toISOString()),
  });
}
