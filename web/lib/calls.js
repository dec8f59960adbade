// Calls in the browser (docs/realtime-protocol.md, "Calls"). One RTCPeerConnection to the
// server's SFU per call: the page sends its microphone and camera once; the server offers the
// other participants' tracks as they publish, and the page answers. Every signaling step runs
// on one promise chain, so an offer is never applied before the join's answer.
//
// State for the views lives in `store.state.call` (the call this page is in), `callsByRoom`
// (live calls the page knows of) and `ringing` (incoming calls not yet answered).

import { store } from './store.js';

const GATHER_WITHIN_MS = 2000;
// The camera goes out in three sizes at once (simulcast); the SFU sends each viewer only the
// one that fits how big it shows this participant (`view`). Ordered smallest first.
const SIMULCAST = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'h', maxBitrate: 1_500_000 },
];
const CAMERA = { width: { ideal: 1280 }, height: { ideal: 720 } };

export function createCalls(ctx) {
  let pc = null;
  let local = null;
  let camera = null;
  let screenTrack = null;
  let videoSender = null;
  let chain = Promise.resolve();
  /** participant id -> MediaStream of what they send. */
  const remote = new Map();
  /** transceiver mid -> participant id, for whoever inspects the connection's stats. */
  const mids = new Map();
  /** participant id -> the quality last asked of the server for their video. */
  const views = new Map();

  const me = () => store.state.session?.user.id;
  const queue = (step) => {
    chain = chain.then(step, step);
    return chain;
  };

  function emit(...topics) {
    store.emit('call', ...topics);
  }

  function setRinging(update) {
    store.update((s) => update(s.ringing), 'ringing');
  }

  /** Names from call frames, for people outside the page's directory. */
  function learnNames(people) {
    store.update((s) => {
      for (const { id, name } of people) {
        if (id && name && !s.users.has(id)) s.users.set(id, { id, display_name: name });
      }
    }, 'users');
  }

  function rememberCall(snapshot) {
    learnNames((snapshot.participants || []).map((p) => ({ id: p.user_id, name: p.display_name })));
    store.update((s) => {
      s.callsByRoom.set(snapshot.room_id, snapshot);
      if (s.call && s.call.id === snapshot.id) {
        Object.assign(s.call, { participants: snapshot.participants, recording: snapshot.recording });
      }
    }, 'call', `room:${snapshot.room_id}`);
  }

  async function gathered(connection) {
    if (connection.iceGatheringState === 'complete') return;
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, GATHER_WITHIN_MS);
      connection.addEventListener('icegatheringstatechange', () => {
        if (connection.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  function onTrack(event) {
    const stream = event.streams[0];
    if (!stream) return;
    mids.set(event.transceiver.mid, stream.id);
    remote.set(stream.id, stream);
    stream.addEventListener('removetrack', () => {
      if (!stream.getTracks().length) {
        remote.delete(stream.id);
        for (const [mid, owner] of mids) if (owner === stream.id) mids.delete(mid);
      }
      emit();
    });
    emit();
  }

  async function start(roomId) {
    const ack = await ctx.socket.request({ type: 'call_start', room_id: roomId });
    rememberCall(ack.call);
    await join(ack.call, ack.ice_servers);
  }

  /** Joins a known call; `iceServers` from `call_start` or `GET /rooms/{id}/call`. */
  function join(call, iceServers) {
    return queue(async () => {
      if (store.state.call) await teardown(true);
      setRinging((ringing) => ringing.delete(call.id));
      local = await navigator.mediaDevices.getUserMedia({ audio: true, video: CAMERA });
      camera = local.getVideoTracks()[0] || null;
      pc = new RTCPeerConnection({ iceServers: iceServers || [] });
      pc.addEventListener('track', onTrack);
      for (const track of local.getTracks()) {
        const video = track.kind === 'video';
        const transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [local], ...(video && { sendEncodings: SIMULCAST }) });
        if (track.kind === 'video') videoSender = transceiver.sender;
      }
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      store.update((s) => {
        s.call = { id: call.id, room_id: call.room_id, participants: call.participants || [], audio: true, video: true, screen: false, joining: true };
      }, 'call');
      let ack;
      try {
        ack = await ctx.socket.request({ type: 'call_join', call_id: call.id, sdp: pc.localDescription.sdp, audio: true, video: true });
      } catch (error) {
        await teardown(false);
        throw error;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
      store.update((s) => {
        Object.assign(s.call, {
          participantId: ack.participant_id,
          participants: ack.call.participants,
          recording: ack.call.recording,
          joining: false,
        });
        s.callsByRoom.set(call.room_id, ack.call);
      }, 'call', `room:${call.room_id}`);
    });
  }

  function onOffer(frame) {
    queue(async () => {
      if (!pc || store.state.call?.id !== frame.call_id) return;
      await pc.setRemoteDescription({ type: 'offer', sdp: frame.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await ctx.socket.request({ type: 'call_answer', call_id: frame.call_id, sdp: pc.localDescription.sdp });
    }).catch((error) => console.warn('call renegotiation failed', error));
  }

  async function teardown(tellServer) {
    const call = store.state.call;
    if (screenTrack) screenTrack.stop();
    screenTrack = null;
    for (const track of local?.getTracks() || []) track.stop();
    pc?.close();
    pc = null;
    local = null;
    camera = null;
    videoSender = null;
    remote.clear();
    mids.clear();
    views.clear();
    store.update((s) => {
      s.call = null;
    }, 'call');
    if (tellServer && call) {
      await ctx.socket.request({ type: 'call_leave', call_id: call.id }).catch(() => {});
    }
  }

  function leave() {
    return queue(() => teardown(true));
  }

  function media(change) {
    const call = store.state.call;
    if (!call) return;
    store.update((s) => Object.assign(s.call, change), 'call');
    ctx.socket.request({ type: 'call_media', call_id: call.id, ...change }).catch(() => {});
  }

  function toggleAudio() {
    const on = !store.state.call?.audio;
    for (const track of local?.getAudioTracks() || []) track.enabled = on;
    media({ audio: on });
  }

  function toggleVideo() {
    const on = !store.state.call?.video;
    if (camera) camera.enabled = on;
    media({ video: on });
  }

  /** Screen sharing replaces the camera in the same sender: no renegotiation needed. */
  async function toggleScreen() {
    if (!videoSender) return;
    if (screenTrack) {
      screenTrack.stop();
      screenTrack = null;
      await videoSender.replaceTrack(camera);
      media({ screen: false });
      return;
    }
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    screenTrack = display.getVideoTracks()[0];
    screenTrack.addEventListener('ended', () => {
      if (screenTrack) toggleScreen();
    });
    await videoSender.replaceTrack(screenTrack);
    media({ screen: true });
  }

  /**
   * How this page shows a participant's video: 'high', 'medium', 'low' or 'off'. Only a change
   * is sent; a refused one (they just left) is forgotten so the next resize tells again.
   */
  function view(participantId, quality) {
    const call = store.state.call;
    if (!call?.participantId || views.get(participantId) === quality) return;
    views.set(participantId, quality);
    ctx.socket.request({ type: 'call_view', call_id: call.id, views: { [participantId]: quality } }).catch(() => {
      if (views.get(participantId) === quality) views.delete(participantId);
    });
  }

  /** Asks everyone to consent to recording (`on`), or turns it off. */
  function record(on) {
    const call = store.state.call;
    if (!call) return Promise.resolve();
    return ctx.socket.request({ type: 'call_record', call_id: call.id, on });
  }

  /** This participant's answer to a recording request. */
  function consent(accept) {
    const call = store.state.call;
    if (!call) return Promise.resolve();
    return ctx.socket.request({ type: 'call_record_consent', call_id: call.id, accept });
  }

  function decline(callId) {
    setRinging((ringing) => ringing.delete(callId));
    ctx.socket.request({ type: 'call_decline', call_id: callId }).catch(() => {});
  }

  async function accept(callId) {
    const ring = store.state.ringing.get(callId);
    if (!ring) return;
    const { call, ice_servers: iceServers } = await ctx.api.roomCall(ring.room_id);
    setRinging((ringing) => ringing.delete(callId));
    if (call && call.id === callId) await join(call, iceServers);
  }

  /** Joins the room's live call, or starts one. */
  async function callRoom(roomId) {
    const { call, ice_servers: iceServers } = await ctx.api.roomCall(roomId);
    if (call) {
      rememberCall(call);
      await join(call, iceServers);
    } else {
      await start(roomId);
    }
  }

  function onFrame(frame) {
    switch (frame.type) {
      case 'call.ringing':
        learnNames([{ id: frame.caller_id, name: frame.caller_name }]);
        if (frame.caller_id !== me()) {
          setRinging((ringing) => ringing.set(frame.call_id, { room_id: frame.room_id, caller_id: frame.caller_id }));
        }
        break;
      case 'call.updated':
        rememberCall(frame.call);
        // Answered on another device (or here): every device of the user stops ringing.
        if (frame.call.participants.some((p) => p.user_id === me())) {
          setRinging((ringing) => ringing.delete(frame.call.id));
        }
        break;
      case 'call.declined':
        if (frame.user_id === me()) setRinging((ringing) => ringing.delete(frame.call_id));
        break;
      case 'call.ended':
        setRinging((ringing) => ringing.delete(frame.call_id));
        store.update((s) => s.callsByRoom.delete(frame.room_id), 'call', `room:${frame.room_id}`);
        if (store.state.call?.id === frame.call_id) queue(() => teardown(false));
        break;
      case 'call.disconnected':
        if (store.state.call?.id === frame.call_id) queue(() => teardown(false));
        break;
      case 'call.offer':
        onOffer(frame);
        break;
      case 'call.recording':
        if (store.state.call?.id === frame.call_id) {
          store.update((s) => {
            s.call.recording = frame.recording;
            s.call.recordingEvent = frame.event;
          }, 'call');
        }
        break;
      case 'call.speaker':
        if (store.state.call?.id === frame.call_id) {
          store.update((s) => {
            s.call.speaker = frame.participant_id;
          }, 'call');
        }
        break;
      default:
        break;
    }
  }

  /** A member's link for someone without an account to join this room's calls. */
  async function guestLink(roomId) {
    const link = await ctx.api.createGuestLink(roomId);
    return new URL(link.url, location.origin).href;
  }

  return {
    callRoom,
    join,
    guestLink,
    record,
    consent,
    accept,
    decline,
    leave,
    toggleAudio,
    toggleVideo,
    toggleScreen,
    view,
    onFrame,
    localStream: () => local,
    remoteStream: (participantId) => remote.get(participantId) || null,
    /** For diagnostics and the browser tests: the connection and who each mid belongs to. */
    inspect: () => ({
      peerConnection: pc,
      participantId: store.state.call?.participantId || null,
      participantByMid: Object.fromEntries(mids),
      views: Object.fromEntries(views),
    }),
  };
}
