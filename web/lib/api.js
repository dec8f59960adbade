// The REST client. Every call sends the session's bearer token; every failure becomes an
// ApiError carrying the server's `{error: {code, message, fields}}`, the status and, for 429,
// the seconds to wait from Retry-After.

export class ApiError extends Error {
  constructor(status, code, message, fields = {}, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
    this.retryAfter = retryAfter;
  }
}

export function createApi({ token, onUnauthorized }) {
  async function request(method, path, { body, query, raw, headers = {}, signal } = {}) {
    const url = new URL(path, location.origin);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
    }
    const init = { method, headers: { ...headers }, signal };
    const current = token();
    if (current) init.headers.Authorization = `Bearer ${current}`;
    if (raw !== undefined) {
      init.body = raw;
    } else if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError(0, 'network', error.message);
    }
    if (response.ok) {
      if (response.status === 204) return null;
      const type = response.headers.get('Content-Type') || '';
      return type.startsWith('application/json') ? response.json() : response.blob();
    }
    let envelope = {};
    try {
      envelope = (await response.json()).error || {};
    } catch {
      // A body that is not the envelope: keep the status.
    }
    const retry = Number(response.headers.get('Retry-After'));
    const error = new ApiError(
      response.status,
      envelope.code || `http_${response.status}`,
      envelope.message || response.statusText,
      envelope.fields,
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
    if (response.status === 401 && current && path !== '/api/v1/auth/login') onUnauthorized?.();
    throw error;
  }

  const get = (path, query) => request('GET', path, { query });
  const post = (path, body) => request('POST', path, { body: body ?? {} });
  const id = encodeURIComponent;

  return {
    /** The raw call, for modules that keep their own endpoints (lib/crm.js, lib/admin.js). */
    request,
    login: (login, password) => post('/api/v1/auth/login', { login, password }),
    logout: () => post('/api/v1/auth/logout'),
    me: () => get('/api/v1/auth/me'),
    changePassword: (current_password, new_password) =>
      post('/api/v1/auth/password', { current_password, new_password }),
    users: () => get('/api/v1/users'),
    directory: () => get('/api/v1/directory'),
    rooms: () => get('/api/v1/rooms'),
    room: (roomId) => get(`/api/v1/rooms/${id(roomId)}`),
    createRoom: (room) => post('/api/v1/rooms', room),
    openDm: (userId) => post('/api/v1/dms', { user_id: userId }),
    members: (roomId) => get(`/api/v1/rooms/${id(roomId)}/members`),
    invite: (roomId, userId) => post(`/api/v1/rooms/${id(roomId)}/members`, { user_id: userId }),
    history: (roomId, { before, after, limit } = {}) =>
      get(`/api/v1/rooms/${id(roomId)}/messages`, { before, after, limit }),
    markRead: (roomId, seq) => post(`/api/v1/rooms/${id(roomId)}/read`, { seq }),
    roomCall: (roomId) => get(`/api/v1/rooms/${id(roomId)}/call`),
    createGuestLink: (roomId) => post(`/api/v1/rooms/${id(roomId)}/guest-links`),
    guestLink: (token) => get(`/api/v1/guest/links/${id(token)}`),
    guestJoin: (token, displayName) => post(`/api/v1/guest/links/${id(token)}/join`, { display_name: displayName }),
    pins: (roomId) => get(`/api/v1/rooms/${id(roomId)}/pins`),
    pin: (roomId, messageId) => post(`/api/v1/rooms/${id(roomId)}/pins`, { message_id: messageId }),
    unpin: (roomId, messageId) =>
      request('DELETE', `/api/v1/rooms/${id(roomId)}/pins/${id(messageId)}`),
    thread: (messageId) => get(`/api/v1/messages/${id(messageId)}/thread`),
    presence: (userIds) => get('/api/v1/presence', { user_ids: userIds.join(',') }),
    search: (q, { roomId, before, limit } = {}) =>
      get('/api/v1/search/messages', { q, room_id: roomId, before, limit }),
    upload: (file) =>
      request('POST', '/api/v1/attachments', {
        query: { name: file.name || 'file' },
        raw: file,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      }),
    conversations: (status) => get('/api/v1/conversations', { status }),
    take: (roomId) => post(`/api/v1/conversations/${id(roomId)}/take`),
    closeConversation: (roomId) => post(`/api/v1/conversations/${id(roomId)}/close`),
    transferOptions: (roomId) => get(`/api/v1/conversations/${id(roomId)}/transfer-options`),
    transfer: (roomId, target) => post(`/api/v1/conversations/${id(roomId)}/transfer`, target),
    addNote: (roomId, body) => post(`/api/v1/conversations/${id(roomId)}/notes`, { body }),
    addLabel: (roomId, label) => post(`/api/v1/conversations/${id(roomId)}/labels`, { label }),
    removeLabel: (roomId, label) => request('DELETE', `/api/v1/conversations/${id(roomId)}/labels/${id(label)}`),
    snooze: (roomId, until) => post(`/api/v1/conversations/${id(roomId)}/snooze`, { until }),
    linkDeal: (roomId, dealId) => request('PUT', `/api/v1/conversations/${id(roomId)}/deal`, { body: { deal_id: dealId } }),
    unlinkDeal: (roomId) => request('DELETE', `/api/v1/conversations/${id(roomId)}/deal`),
    canned: (prefix) => get('/api/v1/canned', { prefix }),
    attachment: (attachmentId) => request('GET', `/api/v1/attachments/${id(attachmentId)}`),
  };
}
