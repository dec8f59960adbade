// Keeps the store in step with the server: the first load over REST, then every websocket
// frame (docs/realtime-protocol.md, section 3) applied to the state.

import { store, timelineOf, noteSeq, unreadOf } from './store.js';
import { t } from './i18n.js';
import { userName, roomName } from './format.js';

const me = () => store.state.session?.user.id;

/** Rooms, the directory (admins), DM partners and presence: what the sidebar needs. */
export async function loadInitial(ctx) {
  const [rooms, users] = await Promise.all([
    ctx.api.rooms(),
    // The directory is for admins only; other roles would get 403.
    store.state.session.user.role === 'admin' ? ctx.api.users().catch(() => null) : null,
  ]);
  store.update((s) => {
    if (users) {
      s.users = new Map(users.map((u) => [u.id, u]));
      s.directoryComplete = true;
    }
    s.users.set(s.session.user.id, s.session.user);
    for (const summary of rooms) addRoom(s, summary);
  }, 'rooms', 'users');
  await Promise.all(rooms.filter((r) => r.kind === 'dm').map((r) => loadMembers(ctx, r.id)));
  await refreshPresence(ctx);
}

export async function refreshRooms(ctx) {
  const rooms = await ctx.api.rooms();
  store.update((s) => {
    const seen = new Set();
    for (const summary of rooms) {
      seen.add(summary.id);
      const known = s.rooms.get(summary.id);
      if (known) {
        Object.assign(known, summary, {
          last_seq: Math.max(known.last_seq, summary.last_seq),
          last_read_seq: Math.max(known.last_read_seq, summary.last_read_seq),
        });
      } else addRoom(s, summary);
    }
    for (const id of [...s.rooms.keys()]) if (!seen.has(id)) s.rooms.delete(id);
  }, 'rooms');
  await Promise.all(
    rooms.filter((r) => r.kind === 'dm' && !store.state.members.has(r.id)).map((r) =>
      loadMembers(ctx, r.id),
    ),
  );
}

function addRoom(s, summary) {
  const room = {
    last_read_seq: 0,
    ...summary,
    activity: summary.activity || summary.created_at,
    dmUserId: s.rooms.get(summary.id)?.dmUserId || null,
  };
  s.rooms.set(room.id, room);
  if (!s.lastSeen.has(room.id) || s.lastSeen.get(room.id) < room.last_seq) {
    s.lastSeen.set(room.id, room.last_seq);
  }
  return room;
}

export async function loadMembers(ctx, roomId) {
  try {
    const { user_ids: ids } = await ctx.api.members(roomId);
    store.update((s) => {
      s.members.set(roomId, ids);
      const room = s.rooms.get(roomId);
      if (room?.kind === 'dm') room.dmUserId = ids.find((id) => id !== me()) || me();
    }, 'rooms', `room:${roomId}`);
    return ids;
  } catch {
    return [];
  }
}

/** Presence of everyone the app shows: the directory, or DM partners and known members. */
export async function refreshPresence(ctx) {
  const { users, members, rooms } = store.state;
  const ids = new Set(users.keys());
  for (const room of rooms.values()) if (room.dmUserId) ids.add(room.dmUserId);
  for (const list of members.values()) for (const id of list) ids.add(id);
  const wanted = [...ids].slice(0, 500);
  if (!wanted.length) return;
  try {
    const { statuses } = await ctx.api.presence(wanted);
    store.update((s) => {
      for (const [id, status] of Object.entries(statuses)) s.presence.set(id, status);
    }, 'presence');
  } catch {
    // Presence is decoration; the dots stay grey.
  }
}

/** The `resume` positions to answer `hello` with: the last sequence seen per room. */
export function resumePositions(ctx, hello) {
  const rooms = {};
  let unknown = false;
  for (const [roomId, newest] of Object.entries(hello.rooms || {})) {
    if (!store.state.rooms.has(roomId)) unknown = true;
    rooms[roomId] = store.state.lastSeen.has(roomId) ? store.state.lastSeen.get(roomId) : newest;
  }
  if (unknown) refreshRooms(ctx).catch(() => {});
  return rooms;
}

/** Adds or replaces a message; a reply to the open thread or a confirmed own send alike. */
export function upsertMessage(s, message) {
  const timeline = timelineOf(s, message.room_id);
  if (message.client_id && message.author_id === me()) timeline.pending.delete(message.client_id);
  const old = timeline.messages.get(message.id);
  const merged = old
    ? { ...old, ...message, reactions: message.reactions ?? old.reactions }
    : { ...message };
  if (!merged.reactions) merged.reactions = [];
  timeline.messages.set(message.id, merged);
  noteSeq(s, message.room_id, message.seq);
  const room = s.rooms.get(message.room_id);
  if (room && !old) {
    if (message.created_at > (room.activity || '')) room.activity = message.created_at;
    // Own messages are read by definition, whichever tab sent them.
    if (message.author_id === me() && message.seq > room.last_read_seq) {
      room.last_read_seq = message.seq;
    }
  }
  return merged;
}

function replaceMessage(roomId, messageId, change) {
  store.update((s) => {
    const timeline = s.timelines.get(roomId);
    const old = timeline?.messages.get(messageId);
    if (old) timeline.messages.set(messageId, { ...old, ...change(old) });
  }, `room:${roomId}`, 'thread');
}

const typingTimers = new Map();

function setTyping(roomId, userId, expiresInMs) {
  const key = `${roomId}|${userId}`;
  clearTimeout(typingTimers.get(key));
  store.update((s) => {
    if (!s.typing.has(roomId)) s.typing.set(roomId, new Map());
    if (expiresInMs > 0) s.typing.get(roomId).set(userId, Date.now() + expiresInMs);
    else s.typing.get(roomId).delete(userId);
  }, 'typing');
  if (expiresInMs > 0) {
    typingTimers.set(key, setTimeout(() => setTyping(roomId, userId, 0), expiresInMs));
  }
}

/** Applies one server frame. */
export function handleFrame(ctx, frame) {
  switch (frame.type) {
    case 'message.created': {
      const message = frame.message;
      store.update((s) => upsertMessage(s, message), 'rooms', `room:${message.room_id}`, 'thread');
      if (message.author_id) setTyping(message.room_id, message.author_id, 0);
      break;
    }
    case 'message.edited':
      store.update((s) => upsertMessage(s, frame.message), `room:${frame.message.room_id}`, 'thread', 'pins');
      break;
    case 'message.deleted':
      replaceMessage(frame.room_id, frame.message_id, () => ({
        deleted_at: new Date().toISOString(),
        body: '',
        attachments: [],
        reactions: [],
      }));
      break;
    case 'reaction':
      replaceMessage(frame.room_id, frame.message_id, (old) => ({
        reactions: applyReaction(old.reactions || [], frame),
      }));
      break;
    case 'message.status':
      // A reply to a client changed state with its provider: sent, retrying or failed.
      replaceMessage(frame.room_id, frame.message_id, () => ({
        delivery_status: frame.status,
        delivery_error: frame.error ?? null,
      }));
      break;
    case 'thread.updated':
      replaceMessage(frame.room_id, frame.message_id, () => ({ reply_count: frame.reply_count }));
      break;
    case 'typing':
      if (frame.user_id !== me()) setTyping(frame.room_id, frame.user_id, frame.expires_in_ms);
      break;
    case 'read':
      store.update((s) => {
        if (frame.user_id === me()) {
          const room = s.rooms.get(frame.room_id);
          if (room && frame.seq > room.last_read_seq) room.last_read_seq = frame.seq;
        } else {
          if (!s.reads.has(frame.room_id)) s.reads.set(frame.room_id, new Map());
          const reads = s.reads.get(frame.room_id);
          reads.set(frame.user_id, Math.max(reads.get(frame.user_id) || 0, frame.seq));
        }
      }, 'rooms', `room:${frame.room_id}`);
      break;
    case 'presence':
      store.update((s) => s.presence.set(frame.user_id, frame.status), 'presence');
      break;
    case 'pin':
      ctx.actions.loadPins(frame.room_id).catch(() => {});
      break;
    case 'mention': {
      const room = store.state.rooms.get(frame.message.room_id);
      if (store.state.route.params.roomId !== frame.message.room_id) {
        ctx.toast(t('toast.mention', { name: userName(frame.message.author_id), room: roomName(room) }));
      }
      break;
    }
    case 'room.created':
      store.update((s) => {
        const room = addRoom(s, { last_read_seq: 0, ...frame.room });
        if (frame.room.created_by === me()) room.last_read_seq = room.last_seq;
      }, 'rooms');
      if (frame.room.kind === 'dm') loadMembers(ctx, frame.room.id).then(() => refreshPresence(ctx));
      break;
    case 'room.updated':
      store.update((s) => {
        const room = s.rooms.get(frame.room.id);
        if (room) Object.assign(room, frame.room, { last_seq: Math.max(room.last_seq, frame.room.last_seq) });
      }, 'rooms', `room:${frame.room.id}`);
      break;
    case 'member.joined':
      if (frame.user_id === me() && !store.state.rooms.has(frame.room_id)) {
        ctx.api.room(frame.room_id).then((room) => {
          store.update((s) => addRoom(s, { last_read_seq: 0, ...room }), 'rooms');
        }, () => {});
      } else {
        store.update((s) => {
          const list = s.members.get(frame.room_id);
          if (list && !list.includes(frame.user_id)) list.push(frame.user_id);
        }, `room:${frame.room_id}`);
      }
      break;
    case 'member.left':
      store.update((s) => {
        if (frame.user_id === me()) {
          s.rooms.delete(frame.room_id);
          s.timelines.delete(frame.room_id);
        } else {
          const list = s.members.get(frame.room_id);
          if (list) s.members.set(frame.room_id, list.filter((id) => id !== frame.user_id));
        }
      }, 'rooms', `room:${frame.room_id}`);
      break;
    case 'resync':
      if (frame.room_id) {
        ctx.actions.reloadNewest(frame.room_id).catch(() => {});
      } else if (frame.presence) {
        refreshPresence(ctx);
      } else {
        refreshRooms(ctx).catch(() => {});
      }
      break;
    case 'resumed':
      ctx.onResumed?.();
      break;
    default:
      if (frame.type.startsWith('call.')) ctx.calls.onFrame(frame);
      break;
  }
}

function applyReaction(groups, { emoji, user_id: userId, added }) {
  const next = groups.map((g) => ({ emoji: g.emoji, user_ids: [...g.user_ids] }));
  let group = next.find((g) => g.emoji === emoji);
  if (added) {
    if (!group) {
      group = { emoji, user_ids: [] };
      next.push(group);
    }
    if (!group.user_ids.includes(userId)) group.user_ids.push(userId);
  } else if (group) {
    group.user_ids = group.user_ids.filter((id) => id !== userId);
  }
  return next.filter((g) => g.user_ids.length);
}

export { unreadOf };
