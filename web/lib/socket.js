// The websocket client for protocol version 1 (docs/realtime-protocol.md).
//
// It authenticates with an `auth` frame, answers `hello` with `resume` naming the last
// sequence seen per room (asked of the app through `positions()`), and reports itself online
// once `resumed` arrives. A dropped connection is retried with exponential backoff and
// jitter; `send` frames not yet acknowledged are sent again after the next `resume` — the
// server recognises their `client_id`, so a message is never stored twice. Other requests
// fail when the connection drops. Acks and errors are matched to requests by `ref` (for
// `send`, by `client_id`).

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const PING_EVERY_MS = 25000;
const PONG_WITHIN_MS = 10000;
const ACK_WITHIN_MS = 20000;

export class SocketError extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

export function createSocket({ token, positions, onFrame, onState, onUnauthorized }) {
  let ws = null;
  let attempt = 0;
  let retryTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let stopped = true;
  let ready = false;
  let counter = 0;
  const waiting = new Map(); // ref -> { frame, resolve, reject, timer, resendable, sent }

  const nextRef = (prefix) => `${prefix}-${Date.now().toString(36)}-${(counter += 1)}`;

  function setState(state, extra = {}) {
    onState?.(state, extra);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (stopped) return;
    ready = false;
    setState('connecting');
    const url = new URL('/api/v1/ws', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    ws = socket;
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ type: 'auth', token: token() }));
    });
    socket.addEventListener('message', (event) => {
      if (socket !== ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      received(frame);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== ws) return;
      closed(event.code);
    });
  }

  function received(frame) {
    clearTimeout(pongTimer);
    switch (frame.type) {
      case 'hello': {
        const rooms = positions(frame) || {};
        write({ type: 'resume', ref: nextRef('resume'), rooms });
        break;
      }
      case 'resumed':
        ready = true;
        attempt = 0;
        setState('online');
        startPing();
        onFrame(frame);
        flushQueued();
        break;
      case 'ack':
        settle(frame.ref, (entry) => entry.resolve(frame));
        break;
      case 'error':
        if (frame.ref && waiting.has(frame.ref)) {
          settle(frame.ref, (entry) =>
            entry.reject(new SocketError(frame.code, frame.message, frame.field)),
          );
        } else {
          console.warn('socket error frame', frame.code, frame.message);
        }
        break;
      case 'pong':
        break;
      default:
        onFrame(frame);
    }
  }

  function settle(ref, fn) {
    const entry = waiting.get(ref);
    if (!entry) return;
    waiting.delete(ref);
    clearTimeout(entry.timer);
    fn(entry);
  }

  function closed(code) {
    ws = null;
    ready = false;
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    for (const [ref, entry] of waiting) {
      clearTimeout(entry.timer);
      entry.timer = null;
      entry.sent = false;
      if (!entry.resendable) {
        waiting.delete(ref);
        entry.reject(new SocketError('disconnected', 'the connection was lost'));
      }
    }
    if (code === 4401) {
      stopped = true;
      setState('idle');
      onUnauthorized?.();
      return;
    }
    if (stopped) {
      setState('idle');
      return;
    }
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    attempt += 1;
    setState('offline', { retryAt: Date.now() + delay });
    retryTimer = setTimeout(connect, delay);
  }

  function startPing() {
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      write({ type: 'ping', id: nextRef('ping') });
      clearTimeout(pongTimer);
      // No frame at all within the window: the connection is dead though not closed.
      pongTimer = setTimeout(() => ws?.close(), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  function write(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function dispatch(ref, entry) {
    if (!ready || !write(entry.frame)) return;
    entry.sent = true;
    entry.timer = setTimeout(
      () =>
        settle(ref, (e) => e.reject(new SocketError('timeout', 'no answer from the server'))),
      ACK_WITHIN_MS,
    );
  }

  function flushQueued() {
    for (const [ref, entry] of waiting) if (!entry.sent) dispatch(ref, entry);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      attempt = 0;
      connect();
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      clearTimeout(pongTimer);
      const socket = ws;
      ws = null;
      socket?.close(1000);
      for (const entry of waiting.values()) {
        clearTimeout(entry.timer);
        entry.reject(new SocketError('stopped', 'signed out'));
      }
      waiting.clear();
      setState('idle');
    },
    /** Connects now instead of waiting for the backoff timer. */
    retryNow() {
      if (!stopped && !ws) connect();
    },
    get ready() {
      return ready;
    },
    /**
     * Sends a frame and resolves with its ack. `send` frames wait through reconnects (they
     * are idempotent by client_id); others reject when the connection is down.
     */
    request(frame) {
      const resendable = frame.type === 'send';
      const ref = resendable ? frame.client_id : frame.ref || nextRef(frame.type);
      const body = resendable ? frame : { ...frame, ref };
      return new Promise((resolve, reject) => {
        if (!resendable && !ready) {
          reject(new SocketError('disconnected', 'not connected'));
          return;
        }
        const entry = { frame: body, resolve, reject, timer: null, resendable, sent: false };
        waiting.set(ref, entry);
        dispatch(ref, entry);
      });
    },
    /** Sends a frame that gets no answer (typing, presence); dropped while offline. */
    notify(frame) {
      return ready && write(frame);
    },
    nextClientId: () => nextRef('c'),
  };
}
