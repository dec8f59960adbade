// The guest page (`/guest/{token}`): someone without an account opens a link a member made,
// enters a display name and joins the room's live call. It has its own socket, signed in
// with the guest token the join returns (valid for that one call only), and the same call
// engine and call view as members; nothing else of the app is loaded or reachable.

import { h, mount } from '../components/dom.js';
import { callView } from '../components/call-view.js';
import { toast } from '../components/toast.js';
import { createApi } from '../lib/api.js';
import { createCalls } from '../lib/calls.js';
import { createSocket } from '../lib/socket.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { errorText } from '../lib/format.js';

/** Why a link does not admit anyone, in words. */
function closedText(error) {
  if (error.code === 'link_expired') return t('guest.expired');
  if (error.code === 'link_revoked') return t('guest.revoked');
  if (error.status === 404) return t('guest.unknown');
  return errorText(error);
}

export function startGuest(root, token) {
  let session = null;
  let joined = false;
  let done = false;
  const api = createApi({ token: () => null });
  const ctx = { api, toast };
  ctx.socket = createSocket({
    token: () => session?.token,
    positions: () => ({}),
    onFrame: (frame) => {
      ctx.calls.onFrame(frame);
      if (frame.type === 'call.ended' && frame.call_id === session?.guest.call_id) finish(t('guest.ended'));
    },
    onState: (connection) => {
      if (connection === 'online' && session && !joined) enterCall();
    },
    onUnauthorized: () => finish(t('guest.expired_session')),
  });
  ctx.calls = createCalls(ctx);
  // For diagnostics and the browser tests, as on the members' page.
  window.__switchboard = Object.freeze({ calls: Object.freeze({ inspect: ctx.calls.inspect }) });

  const card = (...children) =>
    h('main', { class: 'auth-screen' }, h('section', { class: 'auth-card guest-card' },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { text: t('app.title') })),
      ...children));

  function finish(text) {
    if (done) return;
    done = true;
    ctx.socket.stop();
    ctx.calls.leave().catch(() => {});
    mount(root, card(h('h1', { text: t('guest.title') }), h('p', { role: 'status', text })));
  }

  const error = h('p', { class: 'form-error', role: 'alert', id: 'guest-error' });
  const name = h('input', { id: 'guest-name', name: 'name', autocomplete: 'name', required: true, autofocus: true, maxlength: 64 });
  const submit = h('button', { type: 'submit', class: 'button primary wide', text: t('guest.join') });
  const status = h('p', { class: 'muted', id: 'guest-status' });

  async function join(event) {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      session = await api.guestJoin(token, name.value);
    } catch (failure) {
      submit.disabled = false;
      error.textContent = failure.code === 'no_call' ? t('guest.not_started') : closedText(failure);
      return;
    }
    mount(root, h('main', { class: 'guest-call' }, callView(ctx, store.scope(), { guest: true })));
    ctx.socket.start();
  }

  /** Once the socket is up: media in, and the page ends when the guest's call does. */
  function enterCall() {
    joined = true;
    const { guest, ice_servers: iceServers } = session;
    ctx.calls.join({ id: guest.call_id, room_id: guest.room_id, participants: [] }, iceServers).then(
      () => store.on('call', () => {
        if (!store.state.call) finish(t('guest.left'));
      }),
      (failure) => finish(errorText(failure)),
    );
  }

  mount(root, card(h('p', { class: 'muted', text: t('guest.checking') })));
  api.guestLink(token).then(
    (link) => {
      status.textContent = link.call_live ? t('guest.call_live') : t('guest.not_started');
      mount(root, card(
        h('form', { class: 'guest-form', onsubmit: join, 'aria-describedby': 'guest-error' },
          h('h1', { text: t('guest.title') }),
          status,
          h('label', { for: 'guest-name', text: t('guest.name') }),
          name,
          error,
          submit),
      ));
      name.focus();
    },
    (failure) => mount(root, card(h('h1', { text: t('guest.title') }), h('p', { role: 'alert', text: closedText(failure) }))),
  );
}
