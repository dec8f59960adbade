// The sign-in screen. Errors are shown in words: a wrong login or password, a lockout with
// the time to wait, an unreachable server.

import { h } from '../components/dom.js';
import { langSwitch } from '../components/lang-switch.js';
import { t } from '../lib/i18n.js';
import { errorText } from '../lib/format.js';

export function loginView(ctx) {
  const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
  const login = h('input', {
    id: 'login',
    name: 'login',
    autocomplete: 'username',
    required: true,
    autofocus: true,
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit', class: 'button primary wide', text: t('login.submit') });

  async function onSubmit(event) {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    submit.textContent = t('login.submitting');
    try {
      await ctx.signIn(login.value.trim(), password.value);
    } catch (failure) {
      error.textContent =
        failure.status === 401 ? t('login.wrong') : errorText(failure);
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  }

  const el = h(
    'main',
    { class: 'auth-screen' },
    h(
      'form',
      { class: 'auth-card', onsubmit: onSubmit, 'aria-describedby': 'login-error', novalidate: false },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { text: t('app.title') })),
      h('h1', { text: t('login.title') }),
      h('p', { class: 'muted', text: t('login.subtitle') }),
      h('label', { for: 'login', text: t('login.login') }),
      login,
      h('label', { for: 'password', text: t('login.password') }),
      password,
      error,
      submit,
      h('div', { class: 'auth-footer' }, langSwitch()),
    ),
  );
  return { el };
}
