// What the user does: open rooms and page through history, send, edit, delete, react, read,
// pin, open threads, search. Sends go over the websocket (acknowledged by client_id); the rest
// of the reads go over REST.

import { store, timelineOf, mainMessages } from './store.js';
import { upsertMessage, loadMembers, refreshPresence } from './sync.js';

const PAGE = 50;
export const MAX_BODY = 10000;

export function createActions(ctx) {
  const me = () => store.state.session.user.id;
  const readTimers = new Map();
  let typingSentAt = 0;
  let typingRoom = null;

  function merge(roomId, messages) {
    store.update((s) => {
      for (const message of messages) upsertMessage(s, message);
    }, 'rooms', `room:${roomId}`, 'thread');
  }

  const actions = {
    /** The newest page of a room, once; later calls do nothing. */
    async openRoom(roomId) {
      const timeline = timelineOf(store.state, roomId);
      if (!store.state.members.has(roomId)) {
        loadMembers(ctx, roomId).then(() => refreshPresence(ctx));
      }
      if (!store.state.pins.has(roomId)) actions.loadPins(roomId).catch(() => {});
      if (timeline.loaded || timeline.loading) return;
      timeline.loading = true;
      timeline.error = null;
      store.emit(`room:${roomId}`);
      try {
        const page = await ctx.api.history(roomId, { limit: PAGE });
        timeline.hasMore = page.length === PAGE;
        timeline.oldestSeq = page.length ? page[0].seq : 0;
        timeline.loaded = true;
        merge(roomId, page);
      } catch (error) {
        timeline.error = error;
      } finally {
        timeline.loading = false;
        store.emit(`room:${roomId}`);
      }
    },

    /** The page before the oldest loaded message (infinite scroll upward). */
    async loadOlder(roomId) {
      const timeline = timelineOf(store.state, roomId);
      if (!timeline.loaded || timeline.loading || !timeline.hasMore) return false;
      timeline.loading = true;
      store.emit(`room:${roomId}`);
      try {
        const page = await ctx.api.history(roomId, { before: timeline.oldestSeq, limit: PAGE });
        timeline.hasMore = page.length === PAGE && page[0].seq > 1;
        if (page.length) timeline.oldestSeq = page[0].seq;
        merge(roomId, page);
        return page.length > 0;
      } catch (error) {
        timeline.error = error;
        return false;
      } finally {
        timeline.loading = false;
        store.emit(`room:${roomId}`);
      }
    },

    /** Fills whatever was missed after the last sequence seen (after `resync`, a reconnect). */
    async reloadNewest(roomId) {
      const timeline = timelineOf(store.state, roomId);
      if (!timeline.loaded) return;
      let after = store.state.lastSeen.get(roomId) || 0;
      for (;;) {
        const missed = await ctx.api.history(roomId, { after, limit: 200 });
        merge(roomId, missed);
        if (missed.length < 200) break;
        after = missed[missed.length - 1].seq;
      }
      // The newest page again: edits, deletions and reactions made meanwhile.
      merge(roomId, await ctx.api.history(roomId, { limit: PAGE }));
    },

    async send(roomId, { body, attachments = [], threadRootId = null, replyToId = null }) {
      const clientId = ctx.socket.nextClientId();
      const pending = {
        client_id: clientId,
        room_id: roomId,
        author_id: me(),
        body,
        attachments,
        thread_root_id: threadRootId,
        reply_to_id: replyToId,
        created_at: new Date().toISOString(),
        status: 'pending',
      };
      store.update((s) => timelineOf(s, roomId).pending.set(clientId, pending), `room:${roomId}`, 'thread');
      await actions.deliver(pending);
    },

    /** Makes the room's next message a reply quoting `message` (null: no quote). */
    quote(roomId, message) {
      store.update((s) => {
        if (message) s.quoting.set(roomId, message);
        else s.quoting.delete(roomId);
      }, `quote:${roomId}`);
    },

    /** Sends (or sends again, after a failure) a pending message. */
    async deliver(pending) {
      const { room_id: roomId } = pending;
      try {
        const ack = await ctx.socket.request({
          type: 'send',
          room_id: roomId,
          client_id: pending.client_id,
          body: pending.body,
          attachments: pending.attachments.map((a) => a.id),
          thread_root_id: pending.thread_root_id,
          reply_to_id: pending.reply_to_id || null,
        });
        merge(roomId, [ack.message]);
        actions.markRead(roomId, ack.message.seq);
      } catch (error) {
        store.update((s) => {
          const entry = timelineOf(s, roomId).pending.get(pending.client_id);
          if (entry) {
            entry.status = 'failed';
            entry.error = error.code;
          }
        }, `room:${roomId}`, 'thread');
      }
    },

    retry(roomId, clientId) {
      const entry = timelineOf(store.state, roomId).pending.get(clientId);
      if (!entry) return;
      entry.status = 'pending';
      store.emit(`room:${roomId}`, 'thread');
      actions.deliver(entry);
    },

    discard(roomId, clientId) {
      store.update((s) => timelineOf(s, roomId).pending.delete(clientId), `room:${roomId}`, 'thread');
    },

    async edit(message, body) {
      const ack = await ctx.socket.request({ type: 'edit', message_id: message.id, body });
      if (ack.message) merge(message.room_id, [ack.message]);
    },

    remove(message) {
      return ctx.socket.request({ type: 'delete', message_id: message.id });
    },

    toggleReaction(message, emoji) {
      const group = (message.reactions || []).find((g) => g.emoji === emoji);
      const mine = group?.user_ids.includes(me());
      return ctx.socket.request({ type: mine ? 'unreact' : 'react', message_id: message.id, emoji });
    },

    /** Moves the read position forward (never back); sent once things settle. */
    markRead(roomId, seq) {
      const room = store.state.rooms.get(roomId);
      if (!room || seq <= (room.sentReadSeq || 0)) return;
      room.sentReadSeq = seq;
      if (seq > room.last_read_seq) {
        store.update(() => {
          room.last_read_seq = seq;
        }, 'rooms');
      }
      clearTimeout(readTimers.get(roomId));
      readTimers.set(
        roomId,
        setTimeout(() => {
          const send = ctx.socket.ready
            ? ctx.socket.request({ type: 'read', room_id: roomId, seq })
            : ctx.api.markRead(roomId, seq);
          send.catch(() => {
            room.sentReadSeq = 0;
          });
        }, 250),
      );
    },

    /** Reads everything up to the newest message of the room. */
    readAll(roomId) {
      const room = store.state.rooms.get(roomId);
      if (room) actions.markRead(roomId, Math.max(room.last_seq, store.state.lastSeen.get(roomId) || 0));
    },

    /** Tells the room the user is typing, at most every 2.5 seconds. */
    typing(roomId) {
      const now = Date.now();
      if (typingRoom === roomId && now - typingSentAt < 2500) return;
      typingRoom = roomId;
      typingSentAt = now;
      ctx.socket.notify({ type: 'typing', room_id: roomId });
    },

    setAway(away) {
      ctx.socket.notify({ type: 'presence', status: away ? 'away' : 'online' });
    },

    async loadPins(roomId) {
      const pins = await ctx.api.pins(roomId);
      store.update((s) => s.pins.set(roomId, pins), 'pins', `room:${roomId}`);
    },

    async togglePin(message) {
      const pinned = (store.state.pins.get(message.room_id) || []).some((p) => p.id === message.id);
      if (pinned) await ctx.api.unpin(message.room_id, message.id);
      else await ctx.api.pin(message.room_id, message.id);
      await actions.loadPins(message.room_id);
    },

    async openThread(roomId, rootId) {
      store.update((s) => {
        s.thread = { roomId, rootId, loading: true, error: null };
        s.panel = 'thread';
      }, 'thread', 'panel');
      try {
        const { root, replies } = await ctx.api.thread(rootId);
        merge(roomId, [root, ...replies]);
        store.update((s) => {
          if (s.thread?.rootId === rootId) s.thread.loading = false;
        }, 'thread');
      } catch (error) {
        store.update((s) => {
          if (s.thread?.rootId === rootId) Object.assign(s.thread, { loading: false, error });
        }, 'thread');
      }
    },

    closePanel() {
      store.update((s) => {
        s.panel = null;
        s.thread = null;
      }, 'panel', 'thread');
    },

    openPanel(panel) {
      store.update((s) => {
        s.panel = s.panel === panel ? null : panel;
        if (panel !== 'thread') s.thread = null;
      }, 'panel', 'thread');
    },

    async search(query) {
      const q = query.trim();
      store.update((s) => {
        s.search = { query: q, hits: [], loading: Boolean(q), error: null, done: !q };
        s.panel = 'search';
      }, 'search', 'panel');
      if (!q) return;
      try {
        const hits = await ctx.api.search(q, { limit: 30 });
        store.update((s) => {
          if (s.search.query === q) Object.assign(s.search, { hits, loading: false, done: true });
        }, 'search');
      } catch (error) {
        store.update((s) => {
          if (s.search.query === q) Object.assign(s.search, { loading: false, error });
        }, 'search');
      }
    },

    /** Loads older pages until the message is in the timeline (at most a few pages). */
    async reveal(roomId, seq) {
      await actions.openRoom(roomId);
      for (let page = 0; page < 10; page += 1) {
        const timeline = timelineOf(store.state, roomId);
        if (mainMessages(timeline).some((m) => m.seq <= seq) || !timeline.hasMore) return;
        if (!(await actions.loadOlder(roomId))) return;
      }
    },

    async createRoom(room) {
      const created = await ctx.api.createRoom(room);
      store.update((s) => {
        if (!s.rooms.has(created.id)) {
          s.rooms.set(created.id, { ...created, last_read_seq: created.last_seq, activity: created.created_at });
          s.lastSeen.set(created.id, created.last_seq);
        }
      }, 'rooms');
      return created;
    },

    async openDm(userId) {
      const room = await ctx.api.openDm(userId);
      store.update((s) => {
        if (!s.rooms.has(room.id)) {
          s.rooms.set(room.id, { ...room, last_read_seq: room.last_seq, activity: room.created_at, dmUserId: userId });
          s.lastSeen.set(room.id, room.last_seq);
        } else {
          s.rooms.get(room.id).dmUserId = userId;
        }
      }, 'rooms');
      refreshPresence(ctx);
      return room;
    },
  };
  return actions;
}
