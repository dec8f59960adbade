// Switchboard website widget. Embedded on any site with
//   <script src="https://hub.example.com/widget.js" data-line="PUBLIC_ID" async></script>
// it puts a chat button in the corner; the visitor chats with the line's operators over a
// websocket (protocol: docs/realtime-protocol.md, "Website widget"). Everything renders in a
// shadow root, so the host page's CSS neither breaks the widget nor is touched by it. The
// anonymous visitor token is kept in localStorage, so a reload resumes the same chat.
// No dependencies, no build step.
(function () {
  'use strict';

  var script = document.currentScript || document.querySelector('script[data-line][src*="widget.js"]');
  if (!script || window.__switchboardWidget) return;
  var lineId = script.getAttribute('data-line');
  if (!lineId) return;
  var base = new URL(script.src, location.href).origin;
  var storageKey = 'switchboard-widget:' + lineId;

  var STRINGS = {
    en: {
      open: 'Chat with us',
      close: 'Close chat',
      title: 'Chat',
      placeholder: 'Write a message…',
      send: 'Send',
      start: 'Start chat',
      name: 'Name',
      email: 'E-mail',
      phone: 'Phone',
      optional: '(optional)',
      typing: 'The operator is typing…',
      read: 'Read',
      sending: 'Sending…',
      offline: 'Reconnecting…',
      closed: 'The conversation was closed. Write to start a new one.',
      empty: 'Ask us anything: an operator will answer here.',
      failed: 'Something went wrong. Please try again.',
    },
    ru: {
      open: 'Написать нам',
      close: 'Закрыть чат',
      title: 'Чат',
      placeholder: 'Напишите сообщение…',
      send: 'Отправить',
      start: 'Начать чат',
      name: 'Имя',
      email: 'E-mail',
      phone: 'Телефон',
      optional: '(необязательно)',
      typing: 'Оператор печатает…',
      read: 'Прочитано',
      sending: 'Отправляется…',
      offline: 'Переподключение…',
      closed: 'Разговор закрыт. Напишите, чтобы начать новый.',
      empty: 'Задайте вопрос — оператор ответит здесь.',
      failed: 'Что-то пошло не так. Попробуйте ещё раз.',
    },
  };
  var languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  var t = STRINGS[String(languages[0]).slice(0, 2).toLowerCase()] || STRINGS.en;

  var STYLE =
    ':host{all:initial}' +
    '*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;line-height:1.4}' +
    '.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483646;width:56px;height:56px;border:0;border-radius:50%;' +
    'background:#2563eb;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}' +
    '.launcher svg{width:26px;height:26px;fill:currentColor}' +
    '.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;padding:0 6px;display:flex;align-items:center;justify-content:center}' +
    '.panel{position:fixed;right:20px;bottom:88px;z-index:2147483647;width:360px;max-width:calc(100vw - 40px);height:520px;max-height:calc(100vh - 120px);' +
    'background:#fff;color:#111827;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}' +
    '.panel[hidden],[hidden]{display:none!important}' +
    'header{background:#2563eb;color:#fff;padding:12px 14px;display:flex;align-items:center;justify-content:space-between;font-weight:600}' +
    'header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}' +
    '.status{background:#fef3c7;color:#92400e;padding:4px 14px;font-size:12px}' +
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px;background:#f9fafb}' +
    '.hint{color:#6b7280;text-align:center;margin:auto 0}' +
    '.msg{max-width:80%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}' +
    '.msg.visitor{align-self:flex-end;background:#2563eb;color:#fff;border-bottom-right-radius:2px}' +
    '.msg.operator{align-self:flex-start;background:#e5e7eb;color:#111827;border-bottom-left-radius:2px}' +
    '.meta{align-self:flex-end;font-size:11px;color:#6b7280}' +
    '.typing{font-size:12px;color:#6b7280;padding:0 14px 4px;min-height:18px}' +
    'form.compose{display:flex;gap:6px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}' +
    'textarea{flex:1;resize:none;border:1px solid #d1d5db;border-radius:8px;padding:8px;height:40px;color:#111827;background:#fff}' +
    'button.primary{background:#2563eb;color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer;font-weight:600;min-height:40px}' +
    'form.prechat{padding:16px;display:flex;flex-direction:column;gap:10px;flex:1;overflow-y:auto}' +
    'label{display:flex;flex-direction:column;gap:4px;color:#374151}' +
    'input{border:1px solid #d1d5db;border-radius:8px;padding:8px;color:#111827;background:#fff}' +
    '.error{color:#b91c1c;font-size:12px}';

  var CHAT_ICON =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';

  // --- state -----------------------------------------------------------------------------
  var config = null; // {name, prechat}
  var token = readToken();
  var socket = null;
  var live = false; // resumed: the stream is flowing
  var retry = 0;
  var messages = []; // visible messages in order, each {id, room_id, seq, from, body, client_id}
  var byKey = {}; // id or "c:" + client_id -> message, for deduplication
  var pending = []; // {client_id, body} not yet acknowledged
  var currentRoom = null;
  var operatorRead = 0;
  var visitorReadSent = 0;
  var unread = 0;
  var typingTimer = null;

  // --- DOM -------------------------------------------------------------------------------
  // An element name no page styles: `div { … }` rules of the host page do not reach it.
  var host = document.createElement('switchboard-widget');
  host.id = 'switchboard-widget';
  var root = host.attachShadow({ mode: 'open' });
  root.innerHTML =
    '<style>' + STYLE + '</style>' +
    '<button class="launcher" type="button">' + CHAT_ICON + '<span class="badge" hidden></span></button>' +
    '<section class="panel" role="dialog" hidden>' +
    '<header><span class="title"></span><button class="close" type="button">×</button></header>' +
    '<div class="status" hidden></div>' +
    '<form class="prechat" hidden novalidate></form>' +
    '<div class="log" aria-live="polite"></div>' +
    '<div class="typing"></div>' +
    '<form class="compose"><textarea rows="1"></textarea><button class="primary" type="submit"></button></form>' +
    '</section>';
  var $ = function (selector) {
    return root.querySelector(selector);
  };
  var launcher = $('.launcher');
  var badge = $('.badge');
  var panel = $('.panel');
  var log = $('.log');
  var statusBar = $('.status');
  var typingLine = $('.typing');
  var compose = $('form.compose');
  var input = $('textarea');
  var prechat = $('form.prechat');
  launcher.setAttribute('aria-label', t.open);
  launcher.title = t.open;
  $('.close').setAttribute('aria-label', t.close);
  $('.title').textContent = t.title;
  input.placeholder = t.placeholder;
  compose.querySelector('button').textContent = t.send;

  function mount() {
    document.body.appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
  window.__switchboardWidget = { root: root };

  // --- storage ---------------------------------------------------------------------------
  function readToken() {
    try {
      return localStorage.getItem(storageKey);
    } catch (e) {
      return null;
    }
  }
  function keepToken(value) {
    token = value;
    try {
      if (value) localStorage.setItem(storageKey, value);
      else localStorage.removeItem(storageKey);
    } catch (e) {
      /* private mode: the chat lasts as long as the page */
    }
  }

  // --- REST ------------------------------------------------------------------------------
  function api(method, path, body) {
    return fetch(base + path, {
      method: method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) {
          var error = new Error((json && json.error && json.error.message) || response.statusText);
          error.status = response.status;
          error.fields = (json && json.error && json.error.fields) || {};
          throw error;
        }
        return json;
      });
    });
  }

  function loadConfig() {
    if (config) return Promise.resolve(config);
    return api('GET', '/api/v1/widget/' + encodeURIComponent(lineId)).then(function (json) {
      config = json;
      if (json.name) $('.title').textContent = json.name;
      return config;
    });
  }

  function needsForm() {
    var form = (config && config.prechat) || {};
    return ['name', 'email', 'phone'].some(function (field) {
      return form[field] && form[field] !== 'off';
    });
  }

  function join(details) {
    return api('POST', '/api/v1/widget/' + encodeURIComponent(lineId) + '/visitors', details || {}).then(function (json) {
      keepToken(json.token);
      return json;
    });
  }

  // --- pre-chat form ---------------------------------------------------------------------
  function showForm() {
    var form = config.prechat;
    prechat.textContent = '';
    ['name', 'email', 'phone'].forEach(function (field) {
      var rule = form[field];
      if (!rule || rule === 'off') return;
      var label = document.createElement('label');
      label.textContent = t[field] + (rule === 'optional' ? ' ' + t.optional : '');
      var box = document.createElement('input');
      box.name = field;
      box.type = field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text';
      box.required = rule === 'required';
      var error = document.createElement('span');
      error.className = 'error';
      error.dataset.field = field;
      label.appendChild(box);
      label.appendChild(error);
      prechat.appendChild(label);
    });
    var start = document.createElement('button');
    start.type = 'submit';
    start.className = 'primary';
    start.textContent = t.start;
    prechat.appendChild(start);
    prechat.hidden = false;
    log.hidden = true;
    compose.hidden = true;
  }

  prechat.addEventListener('submit', function (event) {
    event.preventDefault();
    var details = {};
    prechat.querySelectorAll('input').forEach(function (box) {
      if (box.value.trim()) details[box.name] = box.value.trim();
    });
    prechat.querySelectorAll('.error').forEach(function (span) {
      span.textContent = '';
    });
    join(details).then(
      function () {
        prechat.hidden = true;
        log.hidden = false;
        compose.hidden = false;
        connect();
        input.focus();
      },
      function (error) {
        var shown = false;
        Object.keys(error.fields || {}).forEach(function (field) {
          var span = prechat.querySelector('.error[data-field="' + field + '"]');
          if (span) {
            span.textContent = error.fields[field];
            shown = true;
          }
        });
        if (!shown) setStatus(t.failed);
      }
    );
  });

  // --- socket ----------------------------------------------------------------------------
  function connect() {
    if (socket || !token) return;
    var url = base.replace(/^http/, 'ws') + '/api/v1/widget/ws';
    var ws = new WebSocket(url);
    socket = ws;
    live = false;
    ws.addEventListener('open', function () {
      ws.send(JSON.stringify({ type: 'auth', token: token }));
    });
    ws.addEventListener('message', function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      onFrame(ws, frame);
    });
    ws.addEventListener('close', function (event) {
      if (socket !== ws) return;
      socket = null;
      live = false;
      if (event.code === 4401) {
        // The server no longer knows the token: start a new visit.
        keepToken(null);
        messages = [];
        byKey = {};
        render();
        start();
        return;
      }
      if (event.code === 4403) return;
      setStatus(t.offline);
      var delay = Math.min(15000, 1000 * Math.pow(2, retry++));
      setTimeout(connect, delay);
    });
  }

  function send(frame) {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
  }

  function onFrame(ws, frame) {
    switch (frame.type) {
      case 'hello':
        if (frame.room_id) currentRoom = frame.room_id;
        var last = messages[messages.length - 1];
        ws.send(JSON.stringify({ type: 'resume', after: last ? { room_id: last.room_id, seq: last.seq } : null }));
        break;
      case 'resumed':
        if (frame.more) {
          // Away for long: take the rest by resuming again from the newest message received.
          retry = 0;
          ws.close();
          return;
        }
        live = true;
        retry = 0;
        setStatus(null);
        if (frame.room_id) currentRoom = frame.room_id;
        operatorRead = Math.max(operatorRead, frame.operator_read_seq || 0);
        // What was typed while offline goes out now; the client id makes a resend harmless.
        pending.forEach(function (item) {
          send({ type: 'send', client_id: item.client_id, body: item.body });
        });
        render();
        markRead();
        break;
      case 'message':
        add(frame.message);
        break;
      case 'ack':
        if (frame.message) {
          pending = pending.filter(function (item) {
            return item.client_id !== frame.ref;
          });
          add(frame.message);
        }
        break;
      case 'typing':
        showTyping(frame.expires_in_ms || 6000);
        break;
      case 'read':
        operatorRead = Math.max(operatorRead, frame.seq || 0);
        render();
        break;
      case 'conversation':
        if (frame.status === 'closed') setStatus(t.closed);
        break;
      case 'error':
        if (frame.ref) {
          pending = pending.filter(function (item) {
            return item.client_id !== frame.ref;
          });
          render();
        }
        setStatus(frame.message || t.failed);
        break;
    }
  }

  function add(message) {
    var key = message.id;
    var known = byKey[key] || (message.client_id && byKey['c:' + message.client_id]);
    if (known) {
      Object.assign(known, message);
    } else {
      messages.push(message);
      // History on connect is not news; what arrives live while the panel is closed is.
      if (message.from === 'operator' && panel.hidden && live) unread += 1;
    }
    var stored = known || message;
    byKey[key] = stored;
    if (message.client_id) byKey['c:' + message.client_id] = stored;
    if (message.room_id !== currentRoom) {
      currentRoom = message.room_id;
      operatorRead = 0;
    }
    if (message.from === 'operator') hideTyping();
    render();
    markRead();
  }

  function markRead() {
    if (panel.hidden || !live || document.visibilityState === 'hidden') return;
    var newest = 0;
    var room = null;
    messages.forEach(function (message) {
      if (message.from === 'operator' && message.room_id === currentRoom) {
        newest = Math.max(newest, message.seq);
        room = message.room_id;
      }
    });
    if (room && newest > visitorReadSent) {
      visitorReadSent = newest;
      send({ type: 'read', room_id: room, seq: newest });
    }
  }

  // --- rendering -------------------------------------------------------------------------
  function render() {
    log.textContent = '';
    if (!messages.length && !pending.length) {
      var hint = document.createElement('p');
      hint.className = 'hint';
      hint.textContent = t.empty;
      log.appendChild(hint);
    }
    var lastOwn = null;
    messages.forEach(function (message) {
      var bubble = document.createElement('div');
      bubble.className = 'msg ' + message.from;
      bubble.textContent = message.body;
      log.appendChild(bubble);
      if (message.from === 'visitor') lastOwn = message;
    });
    pending.forEach(function (item) {
      if (byKey['c:' + item.client_id]) return;
      var bubble = document.createElement('div');
      bubble.className = 'msg visitor pending';
      bubble.textContent = item.body;
      log.appendChild(bubble);
      var meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = t.sending;
      log.appendChild(meta);
    });
    if (lastOwn && lastOwn.room_id === currentRoom && operatorRead >= lastOwn.seq) {
      var read = document.createElement('span');
      read.className = 'meta read';
      read.textContent = t.read;
      log.appendChild(read);
    }
    log.scrollTop = log.scrollHeight;
    badge.hidden = unread === 0;
    badge.textContent = String(unread);
  }

  function setStatus(text) {
    statusBar.hidden = !text;
    statusBar.textContent = text || '';
  }

  function showTyping(ms) {
    typingLine.textContent = t.typing;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, ms);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    typingLine.textContent = '';
  }

  // --- interaction -----------------------------------------------------------------------
  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  compose.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) return;
    input.value = '';
    var item = { client_id: clientId(), body: body };
    pending.push(item);
    render();
    if (token) {
      if (live) send({ type: 'send', client_id: item.client_id, body: body });
      else connect();
    } else {
      join({}).then(connect, function () {
        setStatus(t.failed);
      });
    }
  });

  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });
  input.addEventListener('input', function () {
    if (live && currentRoom) send({ type: 'typing' });
  });

  function start() {
    loadConfig().then(
      function () {
        if (token) connect();
        else if (needsForm()) showForm();
        render();
      },
      function () {
        setStatus(t.failed);
      }
    );
  }

  launcher.addEventListener('click', function () {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) {
      unread = 0;
      render();
      markRead();
      if (!config) start();
      if (prechat.hidden) input.focus();
    }
  });
  $('.close').addEventListener('click', function () {
    panel.hidden = true;
  });
  document.addEventListener('visibilitychange', markRead);

  // A returning visitor reconnects at once, so replies written meanwhile show in the badge.
  if (token) start();
})();
