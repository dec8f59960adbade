// The website widget on somebody else's site: a static host page on another origin (served by
// this test, with CSS that would wreck an unprotected widget) loads widget.js from the server;
// the visitor fills the pre-chat form and writes; the operator (over REST) takes the
// conversation and answers; the visitor sees the answer. After a reload the history is there,
// each message once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch, openPage, chromiumAvailable, screenshot } from './support/browser.js';
import { startServer } from './support/server.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
let server;
let site;
let siteUrl;
let browser;
let olga;
let snippet;

/** The shop's page: hostile global styles, then the snippet the admin was given. */
function hostPage() {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>* { color: red !important; font-size: 40px; } button { display: none; } div { border: 5px solid lime; }</style>
</head><body><h1>The Shop</h1><p>Blue shoes, size 42.</p>${snippet}</body></html>`;
}

before(async () => {
  if (skip) return;
  server = await startServer();
  site = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(hostPage());
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${site.address().port}`;

  const admin = await server.adminToken();
  const operator = await server.createUser({ login: 'olga', name: 'Olga' });
  olga = { ...operator, token: await server.token('olga', operator.password) };
  const line = await server.request('POST', '/api/v1/lines', {
    token: admin,
    body: { name: 'Website', distribution: 'offer_all', operators: [operator.id] },
  });
  const widget = await server.request('POST', '/api/v1/channels/widget', {
    token: admin,
    body: { line_id: line.id, name: 'Shop chat', allowed_origins: [siteUrl], prechat: { name: 'required', email: 'optional' } },
  });
  snippet = widget.snippet;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  site?.close();
  await server?.stop();
});

/** Waits for the line's queued conversation, takes it as Olga and returns its room id. */
async function takeConversation() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const queued = await server.request('GET', '/api/v1/conversations?status=queued', { token: olga.token });
    if (queued.length) {
      const room = queued[0].room_id;
      await server.request('POST', `/api/v1/conversations/${room}/take`, { token: olga.token });
      return room;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no conversation reached the queue');
}

function bubbles(page) {
  return page.locator('#switchboard-widget .log .msg');
}

test('a visitor on another site chats with the operator, and a reload keeps the history', { skip }, async () => {
  // Arrange
  const { context, page } = await openPage(browser);

  // Act: the visitor opens the widget, fills the form (a bad e-mail first) and writes.
  await page.goto(siteUrl);
  const launcher = page.locator('#switchboard-widget .launcher');
  await launcher.waitFor();
  assert.equal(await launcher.isVisible(), true, "the host page's `button { display: none }` must not hide it");
  await launcher.click();
  const form = page.locator('#switchboard-widget form.prechat');
  await form.locator('input[name="name"]').fill('Anna');
  await form.locator('input[name="email"]').fill('anna-at-example');
  await form.locator('button[type="submit"]').click();
  await form.locator('.error[data-field="email"]').filter({ hasText: /e-mail/ }).waitFor();
  await form.locator('input[name="email"]').fill('anna@example.com');
  await form.locator('button[type="submit"]').click();
  const field = page.locator('#switchboard-widget textarea');
  await field.fill('Do you have blue shoes in 42?');
  await field.press('Enter');
  await bubbles(page).filter({ hasText: 'Do you have blue shoes in 42?' }).and(page.locator('.visitor:not(.pending)')).waitFor();

  // The operator takes the conversation and answers over REST.
  const room = await takeConversation();
  const history = await server.request('GET', `/api/v1/rooms/${room}/messages`, { token: olga.token });
  assert.deepEqual(history.map((m) => [m.sender_name, m.body]), [['Anna', 'Do you have blue shoes in 42?']]);
  await server.request('POST', `/api/v1/rooms/${room}/messages`, {
    token: olga.token,
    body: { client_id: 'olga-1', body: 'Yes, we have two pairs left.' },
  });

  // Assert: the answer appears live, styled as the widget's, not the host page's.
  const answer = bubbles(page).filter({ hasText: 'Yes, we have two pairs left.' });
  await answer.waitFor();
  assert.match(await answer.getAttribute('class'), /operator/);
  const color = await answer.evaluate((node) => getComputedStyle(node).color);
  assert.notEqual(color, 'rgb(255, 0, 0)', 'the host page colours leaked into the widget');
  await screenshot(page, 'widget-conversation');

  // After a reload the same visitor sees the whole conversation, each message once.
  await page.reload();
  await page.locator('#switchboard-widget .launcher').click();
  await bubbles(page).filter({ hasText: 'Yes, we have two pairs left.' }).waitFor();
  const texts = await bubbles(page).allTextContents();
  assert.deepEqual(texts, ['Do you have blue shoes in 42?', 'Yes, we have two pairs left.']);
  assert.equal(await page.locator('#switchboard-widget form.prechat').isVisible(), false);
  // The browser logs the refused e-mail's 422 itself; nothing else may fail.
  assert.deepEqual(page.consoleErrors.filter((error) => !/status of 422/.test(error)), []);
  await context.close();
});

/**
 * Keeps the page's websockets at hand, and while `window.__offline` is set makes new ones
 * fail at once (as an unreachable server would), so the test decides when the widget gets back.
 */
function controlSockets() {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__offline = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      if (window.__offline) {
        const dead = new EventTarget();
        Object.assign(dead, { readyState: 3, send() {}, close() {} });
        setTimeout(() => dead.dispatchEvent(new CloseEvent('close', { code: 1006 })), 20);
        return dead;
      }
      super(url, protocols);
      window.__sockets.push(this);
    }
  };
}

test('in Russian, a reply written while the connection is down arrives once it is back', { skip }, async () => {
  // Arrange: a Russian-speaking visitor whose sockets the test controls.
  const { context, page } = await openPage(browser, { locale: 'ru-RU' });
  await context.addInitScript(controlSockets);
  await page.goto(siteUrl);
  const launcher = page.locator('#switchboard-widget .launcher');
  assert.equal(await launcher.getAttribute('aria-label'), 'Написать нам');
  await launcher.click();
  const form = page.locator('#switchboard-widget form.prechat');
  await form.getByText('Имя').waitFor();
  await form.locator('input[name="name"]').fill('Борис');
  await form.locator('button[type="submit"]').click();
  const field = page.locator('#switchboard-widget textarea');
  await field.fill('Здравствуйте!');
  await field.press('Enter');
  await bubbles(page).filter({ hasText: 'Здравствуйте!' }).and(page.locator('.visitor:not(.pending)')).waitFor();
  const room = await takeConversation();

  // Act: the connection drops; the operator answers meanwhile; then the network is back.
  await page.evaluate(() => {
    window.__offline = true;
    for (const socket of window.__sockets) socket.close();
  });
  await page.locator('#switchboard-widget .status').filter({ hasText: 'Переподключение…' }).waitFor();
  await server.request('POST', `/api/v1/rooms/${room}/messages`, {
    token: olga.token,
    body: { client_id: 'olga-2', body: 'Добрый день, Борис!' },
  });
  await page.waitForTimeout(500);
  await page.evaluate(() => {
    window.__offline = false;
  });

  // Assert: the reply shows once, after the visitor's message, and the banner is gone.
  await bubbles(page).filter({ hasText: 'Добрый день, Борис!' }).waitFor({ timeout: 20000 });
  assert.deepEqual(await bubbles(page).allTextContents(), ['Здравствуйте!', 'Добрый день, Борис!']);
  assert.equal(await page.locator('#switchboard-widget .status').isVisible(), false);
  await context.close();
});
