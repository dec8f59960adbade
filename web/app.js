// Bootstraps the app: language, session, the socket, and the view for the current path.

import { store, initialState } from './lib/store.js';
import { createApi } from './lib/api.js';
import { createSocket } from './lib/socket.js';
import { detectLanguage, setLanguage, t } from './lib/i18n.js';
import { startRouter, navigate } from './lib/router.js';
import { loadInitial, handleFrame, resumePositions, refreshPresence } from './lib/sync.js';
import { createActions } from './lib/actions.js';
import { createCalls } from './lib/calls.js';
import { forgetFiles } from './lib/files.js';
import { toast } from './components/toast.js';
import { mount } from './components/dom.js';
import { loginView } from './views/login.js';
import { changePasswordView } from './views/change-password.js';
import { chatView } from './views/chat.js';
import { inboxView } from './views/inbox.js';
import { createInbox } from './lib/inbox.js';
import { crmView } from './views/crm/index.js';
import { createCrmLive } from './lib/crm-live.js';
import { adminView } from './views/admin/index.js';

const TOKEN_KEY = 'sb.token';
/** A hidden tab counts as away after this long. */
const AWAY_AFTER_MS = 60_000;

const root = document.getElementById('app');
let loginPassword = null;
let onlineOnce = false;
let resumedCount = 0;
let awayTimer = null;
let away = false;

function readToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Without storage the session lasts as long as the page.
  }
}

const ctx = {
  api: createApi({
    token: () => store.state.session?.token,
    onUnauthorized: () => sessionEnded(),
  }),
  toast,
  meId: () => store.state.session?.user?.id,
  wasOnline: () => onlineOnce,
  /** The password typed at sign-in, kept in memory only until it has been changed. */
  loginPassword: () => loginPassword,
  signIn,
  signOut,
  changePassword,
  onResumed,
};

ctx.socket = createSocket({
  token: () => store.state.session?.token,
  positions: (hello) => resumePositions(ctx, hello),
  onFrame: (frame) => {
    handleFrame(ctx, frame);
    ctx.inbox.handleFrame(frame);
    ctx.crmLive.handleFrame(frame);
  },
  onState: (connection, { retryAt = 0 } = {}) => {
    if (connection === 'online') onlineOnce = true;
    store.update((s) => {
      s.connection = connection;
      s.reconnectAt = retryAt;
    }, 'connection');
  },
  onUnauthorized: () => sessionEnded(),
});
ctx.actions = createActions(ctx);
ctx.inbox = createInbox(ctx);
ctx.calls = createCalls(ctx);
ctx.crmLive = createCrmLive(ctx);
// A read-only handle for diagnostics and the browser tests (web/tests/calls.test.js): the
// call's RTCPeerConnection and which participant each received track belongs to.
window.__switchboard = Object.freeze({ calls: Object.freeze({ inspect: ctx.calls.inspect }) });

async function signIn(login, password) {
  const { token, user } = await ctx.api.login(login, password);
  writeToken(token);
  store.update((s) => {
    s.session = { token, user };
  }, 'session');
  if (user.must_change_password) {
    loginPassword = password;
    navigate('change-password', {}, { replace: true });
  } else {
    await startChat();
  }
}

async function changePassword(current, next) {
  await ctx.api.changePassword(current, next);
  loginPassword = null;
  store.update((s) => {
    s.session.user = { ...s.session.user, must_change_password: false };
  }, 'session');
  toast(t('password.changed'));
  await startChat();
}

async function signOut() {
  await ctx.api.logout().catch(() => {});
  reset();
}

function sessionEnded() {
  if (!store.state.session) return;
  reset();
  toast(t('session.ended'), { kind: 'error' });
}

function reset() {
  ctx.calls.leave().catch(() => {});
  ctx.socket.stop();
  ctx.inbox.stop();
  writeToken(null);
  forgetFiles();
  onlineOnce = false;
  resumedCount = 0;
  loginPassword = null;
  const lang = store.state.lang;
  Object.assign(store.state, initialState(), { lang });
  store.emit('session', 'rooms', 'connection');
  navigate('login', {}, { replace: true });
}

/** After sign-in: the chat or the inbox (whichever the address named), then live updates. */
async function startChat(route = store.state.route) {
  const name = ['inbox', 'admin'].includes(route.name) ? route.name : 'chat';
  const roomId = route.params.roomId;
  if (route.name.startsWith('crm-')) navigate(route.name, route.params, { replace: true });
  else navigate(name, name === 'admin' ? route.params : roomId ? { roomId } : {}, { replace: true });
  try {
    await Promise.all([loadInitial(ctx), ctx.inbox.start()]);
  } catch (error) {
    if (error.status === 401) return;
    toast(t('error.load_failed'), { kind: 'error' });
  }
  ctx.socket.start();
}

function onResumed() {
  resumedCount += 1;
  if (away) ctx.actions.setAway(true);
  if (resumedCount === 1) return;
  // A reconnect: `resume` brought the missed messages; edits, reactions and presence that
  // changed meanwhile are fetched again.
  const roomId = store.state.route.params.roomId;
  if (roomId) ctx.actions.reloadNewest(roomId).catch(() => {});
  refreshPresence(ctx);
}

document.addEventListener('visibilitychange', () => {
  clearTimeout(awayTimer);
  if (document.visibilityState === 'hidden') {
    awayTimer = setTimeout(() => {
      away = true;
      ctx.actions.setAway(true);
    }, AWAY_AFTER_MS);
  } else if (away) {
    away = false;
    ctx.actions.setAway(false);
  }
});
window.addEventListener('online', () => ctx.socket.retryNow());

// Rendering: one view per route; a language change rebuilds the current view.
let current = null; // { name, view, scope }

function render() {
  if (location.pathname.startsWith('/guest/')) return; // the guest page renders itself
  const route = store.state.route;
  let name = route.name;
  if (store.state.session && !store.state.session.user) return; // still checking the token
  if (!store.state.session) name = 'login';
  else if (store.state.session.user.must_change_password) name = 'change-password';
  else if (name.startsWith('crm-')) name = 'crm'; // one view for every CRM page
  else if (!['chat', 'inbox', 'admin'].includes(name)) name = 'chat';
  if (current?.name === name && !current.rebuild) {
    current.view.update?.(route);
    return;
  }
  current?.scope.dispose();
  current?.view.dispose?.();
  const scope = store.scope();
  const build = { login: loginView, 'change-password': changePasswordView, chat: chatView, inbox: inboxView, crm: crmView, admin: adminView }[name];
  const view = build(ctx, scope, route);
  current = { name, view, scope };
  mount(root, view.el);
  view.mounted?.();
  const focus = root.querySelector('[autofocus]');
  if (focus) focus.focus();
}

store.on('route', render);
store.on('session', () => {
  if (current) current.rebuild = true;
  render();
});
store.on('lang', () => {
  if (current) current.rebuild = true;
  render();
});

async function boot() {
  setLanguage(detectLanguage(), false);
  // A guest link: the guest page alone, with no session and none of the app's views.
  const guest = /^\/guest\/([\w-]+)\/?$/.exec(location.pathname);
  if (guest) {
    const { startGuest } = await import('./views/guest.js');
    startGuest(root, guest[1]);
    return;
  }
  const route = startRouter();
  store.state.route = route;
  const token = readToken();
  if (!token) {
    navigate('login', {}, { replace: true });
    return;
  }
  store.state.session = { token, user: null };
  try {
    const { user } = await ctx.api.me();
    store.update((s) => {
      s.session = { token, user };
    }, 'session');
    if (user.must_change_password) navigate('change-password', {}, { replace: true });
    else await startChat(route);
  } catch (error) {
    store.state.session = null;
    writeToken(null);
    navigate('login', {}, { replace: true });
    if (error.status !== 401) toast(t('error.network'), { kind: 'error' });
  }
}

boot();
