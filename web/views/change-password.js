// The screen shown when the server says the password must be changed (a first login with a
// generated password). The current password is asked for only when the app no longer holds
// the one just typed at sign-in (after a reload).

import { h } from '../components/dom.js';
import { langSwitch } from '../components/lang-switch.js';
import { t } from '../lib/i18n.js';
import { errorText } from '../lib/format.js';

const MIN_LENGTH = 10;

export function changePasswordView(ctx) {
  const known = ctx.loginPassword();
  const error = h('p', { class: 'form-error', role: 'alert', id: 'password-error' });
  const current = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', {
    id: 'new-password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: MIN_LENGTH,
    'aria-describedby': 'password-hint',
    autofocus: Boolean(known),
  });
  const repeat = h('input', { id: 'repeat-password', type: 'password', autocomplete: 'new-password', required: true });
  const submit = h('button', { type: 'submit', class: 'button primary wide', text: t('password.submit') });

  async function onSubmit(event) {
    event.preventDefault();
    error.textContent = '';
    if ([...next.value].length < MIN_LENGTH) {
      error.textContent = t('password.too_short', { count: MIN_LENGTH });
      next.focus();
      return;
    }
    if (next.value !== repeat.value) {
      error.textContent = t('password.mismatch');
      repeat.focus();
      return;
    }
    submit.disabled = true;
    try {
      await ctx.changePassword(known ?? current.value, next.value);
    } catch (failure) {
      if (failure.fields?.current_password) error.textContent = t('password.wrong_current');
      else if (failure.fields?.new_password || failure.fields?.password) error.textContent = t('password.rejected');
      else error.textContent = errorText(failure);
    } finally {
      submit.disabled = false;
    }
  }

  const el = h(
    'main',
    { class: 'auth-screen' },
    h(
      'form',
      { class: 'auth-card', onsubmit: onSubmit, 'aria-describedby': 'password-error' },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { text: t('app.title') })),
      h('h1', { text: t('password.title') }),
      h('p', { class: 'muted', text: t('password.explain') }),
      known === null
        ? [h('label', { for: 'current-password', text: t('password.current') }), current]
        : null,
      h('label', { for: 'new-password', text: t('password.new') }),
      next,
      h('p', { class: 'hint', id: 'password-hint', text: t('password.hint', { count: MIN_LENGTH }) }),
      h('label', { for: 'repeat-password', text: t('password.repeat') }),
      repeat,
      error,
      submit,
      h(
        'div',
        { class: 'auth-footer' },
        langSwitch(),
        h('button', { type: 'button', class: 'link-button', text: t('action.sign_out'), onclick: () => ctx.signOut() }),
      ),
    ),
  );
  return { el };
}
