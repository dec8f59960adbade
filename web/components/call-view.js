// The call this page is in: a grid with one tile per participant (the page's own camera
// first, muted), who has the microphone or camera off, and the mute / camera / screen / leave
// buttons; members also get "copy guest link" (the link is shown beside it, selectable, in
// case the clipboard is not available). Hidden when the page is in no call. The guest page
// (views/guest.js) uses the same view with `{ guest: true }`.

import { h, icon, mount } from './dom.js';
import { store } from '../lib/store.js';
import { t } from '../lib/i18n.js';
import { userName, roomName, errorText } from '../lib/format.js';

function videoElement(stream, { muted }) {
  const video = h('video', { autoplay: true, playsinline: true, class: 'call-video' });
  video.muted = muted;
  video.srcObject = stream;
  return video;
}

/**
 * The video quality a tile needs, from its height in device pixels against the sizes a camera
 * is sent in (720, 360 and 180 lines). A shared screen always comes whole: its text must stay
 * legible. A tile not laid out (hidden) needs no video.
 */
function qualityFor(tileHeight, participant) {
  if (!tileHeight) return 'off';
  if (participant.screen) return 'high';
  const lines = tileHeight * devicePixelRatio;
  if (lines > 360) return 'high';
  if (lines > 180) return 'medium';
  return 'low';
}

/** A participant's name: a member's from the directory, a guest's as they gave it. */
function participantName(participant) {
  return participant.user_id ? userName(participant.user_id) : t('call.guest_name', { name: participant.display_name });
}

export function callView(ctx, scope, { guest = false } = {}) {
  const grid = h('div', { class: 'call-grid' });
  const title = h('h2', { class: 'call-title', id: 'call-title' });
  const tiles = new Map(); // participant id (or 'me') -> { el, video, stream }
  // Tiles change size with the window and the number of participants; each remote one tells
  // the server which video quality it needs.
  const resized = new ResizeObserver(() => tellViews());
  const button = (label, name, onclick, extra = {}) =>
    h('button', { type: 'button', class: 'call-button', 'aria-label': label, title: label, onclick, ...extra }, icon(name), h('span', { text: label }));
  const run = (action) => () => action().catch((error) => ctx.toast(errorText(error), { kind: 'error' }));
  const mute = button(t('call.mute'), 'mic', () => ctx.calls.toggleAudio());
  const camera = button(t('call.camera_off'), 'camera', () => ctx.calls.toggleVideo());
  const screen = button(t('call.share_screen'), 'screen', run(() => ctx.calls.toggleScreen()));
  const leave = button(t('call.leave'), 'phone', run(() => ctx.calls.leave()), { class: 'call-button danger' });
  const linkField = h('input', { class: 'call-guest-link', readonly: true, hidden: true, 'aria-label': t('call.guest_link') });
  const copyLink = async () => {
    const url = await ctx.calls.guestLink(store.state.call.room_id);
    linkField.value = url;
    linkField.hidden = false;
    linkField.select();
    const copied = await navigator.clipboard?.writeText(url).then(() => true, () => false);
    ctx.toast(copied ? t('call.guest_link_copied') : t('call.guest_link_ready'));
  };
  const invite = guest ? null : button(t('call.copy_guest_link'), 'attach', run(copyLink));
  const recordButton = button(t('call.record'), 'dot', run(() => ctx.calls.record(store.state.call?.recording?.state === 'off')));
  const indicator = h('span', { class: 'call-recording', role: 'status', hidden: true });
  // Asked to consent: recording starts only when everyone accepts.
  const consentText = h('p');
  const consentDialog = h(
    'div',
    { class: 'call-consent', role: 'alertdialog', 'aria-label': t('call.recording_consent_title'), hidden: true },
    consentText,
    h('button', { type: 'button', class: 'button primary', text: t('call.recording_accept'), onclick: run(() => ctx.calls.consent(true)) }),
    h('button', { type: 'button', class: 'button', text: t('call.recording_decline'), onclick: run(() => ctx.calls.consent(false)) }),
  );
  const el = h(
    'section',
    { class: 'call-view', hidden: true, 'aria-labelledby': 'call-title' },
    h('header', { class: 'call-header' }, title, indicator, linkField),
    consentDialog,
    grid,
    h('div', { class: 'call-controls', role: 'toolbar', 'aria-label': t('call.controls') }, mute, camera, screen, recordButton, invite, leave),
  );

  const label = (node, text) => {
    node.setAttribute('aria-label', text);
    node.title = text;
    node.querySelector('span').textContent = text;
  };

  function tile(key, stream, name, state, own) {
    let entry = tiles.get(key);
    if (!entry || entry.stream !== stream) {
      if (entry) resized.unobserve(entry.el);
      const video = stream ? videoElement(stream, { muted: own }) : h('div', { class: 'call-video placeholder' });
      const label = h('span', { class: 'call-name' });
      entry = { el: h('figure', { class: 'call-tile', dataset: { participant: key } }, video, label), stream, label };
      tiles.set(key, entry);
      if (!own) resized.observe(entry.el);
    }
    entry.label.textContent = name;
    entry.el.classList.toggle('audio-off', !state.audio);
    entry.el.classList.toggle('video-off', !state.video && !state.screen);
    entry.label.replaceChildren(name, state.audio ? '' : h('span', { class: 'call-muted', text: ` · ${t('call.muted')}` }));
    return entry.el;
  }

  function render() {
    const call = store.state.call;
    el.hidden = !call;
    if (!call) {
      resized.disconnect();
      tiles.clear();
      grid.replaceChildren();
      linkField.hidden = true;
      return;
    }
    title.textContent = guest ? t('call.guest_title') : t('call.title', { room: roomName(store.state.rooms.get(call.room_id)) });
    const shown = [tile('me', ctx.calls.localStream(), t('call.you'), call, true)];
    const seen = new Set(['me']);
    for (const participant of call.participants || []) {
      if (participant.participant_id === call.participantId) continue;
      seen.add(participant.participant_id);
      shown.push(tile(participant.participant_id, ctx.calls.remoteStream(participant.participant_id), participantName(participant), participant, false));
    }
    for (const [key, entry] of [...tiles]) {
      if (seen.has(key)) continue;
      resized.unobserve(entry.el);
      tiles.delete(key);
    }
    const speaker = call.speaker === call.participantId ? 'me' : call.speaker;
    for (const [key, entry] of tiles) entry.el.classList.toggle('speaking', key === speaker);
    mount(grid, shown);
    grid.dataset.count = String(shown.length);
    tellViews();
    label(mute, call.audio ? t('call.mute') : t('call.unmute'));
    label(camera, call.video ? t('call.camera_off') : t('call.camera_on'));
    label(screen, call.screen ? t('call.stop_sharing') : t('call.share_screen'));
    renderRecording(call);
    mute.setAttribute('aria-pressed', String(!call.audio));
    camera.setAttribute('aria-pressed', String(!call.video));
    screen.setAttribute('aria-pressed', String(Boolean(call.screen)));
  }

  function tellViews() {
    const call = store.state.call;
    if (!call) return;
    for (const participant of call.participants || []) {
      const entry = tiles.get(participant.participant_id);
      // Not laid out yet: the observer reports its size once it is.
      if (!entry || participant.participant_id === call.participantId || !entry.el.isConnected) continue;
      ctx.calls.view(participant.participant_id, qualityFor(entry.el.clientHeight, participant));
    }
  }

  function renderRecording(call) {
    const recording = call.recording || { state: 'off', pending: [] };
    indicator.hidden = recording.state === 'off';
    indicator.textContent = recording.state === 'on' ? t('call.recording_on') : t('call.recording_asking');
    indicator.classList.toggle('on', recording.state === 'on');
    const asked = recording.state !== 'off' && (recording.pending || []).includes(call.participantId);
    consentDialog.hidden = !asked;
    if (asked) {
      const requester = (call.participants || []).find((p) => p.participant_id === recording.requested_by);
      consentText.textContent = t('call.recording_consent', { name: requester ? participantName(requester) : '' });
    }
    label(recordButton, recording.state === 'off' ? t('call.record') : t('call.stop_recording'));
    recordButton.setAttribute('aria-pressed', String(recording.state === 'on'));
  }

  scope.on('call', render);
  scope.on('users', render);
  render();
  return el;
}

/** Incoming calls: who is calling from where, with accept and decline. */
export function ringingView(ctx, scope) {
  const el = h('div', { class: 'ringing-stack' });
  function render() {
    const cards = [...store.state.ringing.entries()].map(([callId, ring]) => {
      const room = store.state.rooms.get(ring.room_id);
      const text = room?.kind === 'dm'
        ? t('call.incoming_dm', { name: userName(ring.caller_id) })
        : t('call.incoming_room', { name: userName(ring.caller_id), room: roomName(room) });
      return h(
        'div',
        { class: 'ringing-card', role: 'alertdialog', 'aria-label': t('call.incoming'), dataset: { call: callId } },
        icon('phone'),
        h('p', { text }),
        h('button', { type: 'button', class: 'button primary', text: t('call.accept'), onclick: () => ctx.calls.accept(callId).catch((error) => ctx.toast(errorText(error), { kind: 'error' })) }),
        h('button', { type: 'button', class: 'button', text: t('call.decline'), onclick: () => ctx.calls.decline(callId) }),
      );
    });
    mount(el, cards);
  }
  scope.on('ringing', render);
  scope.on('rooms', render);
  render();
  return el;
}
