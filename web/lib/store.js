// The application state and a small subscription mechanism.
//
// State is one plain object. Code that changes it calls `store.update(mutator, ...topics)`;
// subscribers listen to topics ('rooms', 'room:<id>', 'presence', 'typing', …) and are
// called once per microtask however many updates touched their topic, so a burst of socket
// frames re-renders each view once.

export function createStore(initial) {
  const listeners = new Map();
  const dirty = new Set();
  let scheduled = false;

  function flush() {
    scheduled = false;
    const topics = [...dirty];
    dirty.clear();
    for (const topic of topics) {
      for (const listener of [...(listeners.get(topic) || [])]) {
        try {
          listener(topic);
        } catch (error) {
          console.error('store listener failed', topic, error);
        }
      }
    }
  }

  return {
    state: initial,
    /** Calls `fn` after changes to `topic`; returns the function that stops it. */
    on(topic, fn) {
      if (!listeners.has(topic)) listeners.set(topic, new Set());
      listeners.get(topic).add(fn);
      return () => listeners.get(topic)?.delete(fn);
    },
    /** Marks topics changed; subscribers run at the end of the current task. */
    emit(...topics) {
      for (const topic of topics) dirty.add(topic);
      if (!scheduled && dirty.size) {
        scheduled = true;
        queueMicrotask(flush);
      }
    },
    /** A group of subscriptions ended together when a view goes away. */
    scope() {
      const offs = [];
      return {
        on: (topic, fn) => offs.push(this.on(topic, fn)),
        cleanup: (fn) => offs.push(fn),
        dispose: () => offs.splice(0).forEach((off) => off()),
      };
    },
    /** Runs `mutator(state)` and marks `topics` changed. */
    update(mutator, ...topics) {
      const result = mutator(this.state);
      this.emit(...topics);
      return result;
    },
  };
}

/** A fresh state for a signed-out app. */
export function initialState() {
  return {
    session: null, // { token, user }
    lang: 'en',
    route: { name: 'login', params: {} },
    connection: 'idle', // idle | connecting | online | offline
    reconnectAt: 0, // when offline: the time of the next attempt
    rooms: new Map(), // id -> room summary (+ activity, dmUserId)
    members: new Map(), // room id -> user ids
    users: new Map(), // id -> user, the people whose names we know
    directoryComplete: false, // true when `users` is every account (admins)
    presence: new Map(), // user id -> online | away | offline
    timelines: new Map(), // room id -> timeline (see emptyTimeline)
    lastSeen: new Map(), // room id -> highest sequence known (what `resume` names)
    typing: new Map(), // room id -> Map(user id -> expires at, ms)
    reads: new Map(), // room id -> Map(user id -> seq) of other members
    pins: new Map(), // room id -> Message[]
    thread: null, // { rootId, roomId, root, replies, loading, error }
    panel: null, // 'thread' | 'pins' | 'search' | null
    search: { query: '', hits: [], loading: false, error: null, done: false },
    drafts: new Map(), // room id -> unsent text, kept across re-renders
    quoting: new Map(), // room id -> the message the next one replies to
    inbox: {
      rows: new Map(), // room id -> conversation row (GET /api/v1/conversations)
      loaded: false,
      error: null,
      tab: 'mine', // see TABS in inbox.js
      filter: { line: '', channel: '' },
    },
    call: null, // the call this page is in: { id, room_id, participantId, participants, audio, video, screen }
    callsByRoom: new Map(), // room id -> live call snapshot the page has heard of
    ringing: new Map(), // call id -> { room_id, caller_id }: incoming, not yet answered
  };
}

/** What the app keeps of one room's history. */
export function emptyTimeline() {
  return {
    messages: new Map(), // id -> Message (top-level and replies alike)
    pending: new Map(), // client_id -> { client_id, body, attachments, status, created_at }
    loaded: false, // the newest page has been fetched
    loading: false,
    hasMore: true, // older messages may exist
    error: null,
  };
}

export function timelineOf(state, roomId) {
  let timeline = state.timelines.get(roomId);
  if (!timeline) {
    timeline = emptyTimeline();
    state.timelines.set(roomId, timeline);
  }
  return timeline;
}

/** Messages of the main timeline (not thread replies) in sequence order. */
export function mainMessages(timeline) {
  return [...timeline.messages.values()]
    .filter((m) => !m.thread_root_id)
    .sort((a, b) => a.seq - b.seq);
}

/** Records that a message with `seq` exists in `roomId`; keeps the resume position. */
export function noteSeq(state, roomId, seq) {
  const room = state.rooms.get(roomId);
  if (room && seq > room.last_seq) room.last_seq = seq;
  if (seq > (state.lastSeen.get(roomId) || 0)) state.lastSeen.set(roomId, seq);
}

export function unreadOf(room) {
  return Math.max(0, (room.last_seq || 0) - (room.last_read_seq || 0));
}

export const store = createStore(initialState());
