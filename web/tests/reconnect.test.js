// Reconnecting: when the page's websocket drops, a banner says so; messages sent meanwhile by
// others, and the user's own message typed while offline, all arrive once the socket is
// back — each exactly once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { twoColleagues, roomLink, send, messages } from './support/chat.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
let setup;
let browser;

before(async () => {
  if (skip) return;
  setup = await twoColleagues();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await setup?.server.stop();
});

/**
 * Keeps the page's websockets at hand, and while `window.__offline` is set makes new ones
 * fail at once (as an unreachable server would), so the test decides when the app gets back.
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

test('messages sent while the socket was down arrive after reconnecting, once', { skip }, async () => {
  // Arrange: Boris's page with its socket under the test's control, in the channel.
  const { context, page } = await openPage(browser);
  await context.addInitScript(controlSockets);
  await signIn(page, setup.server.url, 'boris', setup.boris.password);
  await roomLink(page, 'general').click();
  await send(page, 'Before the outage');
  await page.locator('.message.own').getByRole('img', { name: 'Sent' }).waitFor();

  // Act: drop the connection and keep it down.
  await page.evaluate(() => {
    window.__offline = true;
    for (const socket of window.__sockets) socket.close();
  });
  // Assert
  await page.getByRole('status').getByText('Connection lost.').waitFor();

  // Act: Anna writes meanwhile (over REST), and Boris writes too.
  for (const body of ['Outage message 1', 'Outage message 2', 'Outage message 3']) {
    await setup.server.request('POST', `/api/v1/rooms/${setup.general.id}/messages`, {
      token: setup.anna.token,
      body: { body },
    });
  }
  await send(page, 'Typed while offline');
  await page.locator('.message.is-pending').getByRole('img', { name: 'Sending…' }).waitFor();
  await screenshot(page, 'reconnecting');

  // Act: the network comes back; "Reconnect now" skips the wait.
  await page.evaluate(() => {
    window.__offline = false;
  });
  await page.getByRole('button', { name: 'Reconnect now' }).click().catch(() => {});

  // Assert: everything is there exactly once, and the banner is gone.
  await page.getByRole('status').getByText('Connection lost.').waitFor({ state: 'detached' });
  for (const body of ['Outage message 1', 'Outage message 2', 'Outage message 3']) {
    await messages(page, body).waitFor();
  }
  await page.locator('.message.own').filter({ hasText: 'Typed while offline' }).getByRole('img', { name: /Sent|Read/ }).waitFor();
  for (const body of ['Before the outage', 'Outage message 1', 'Outage message 2', 'Outage message 3', 'Typed while offline']) {
    assert.equal(await messages(page, body).count(), 1, body);
  }
  const history = await setup.server.request('GET', `/api/v1/rooms/${setup.general.id}/messages`, { token: setup.anna.token });
  assert.equal(history.filter((m) => m.body === 'Typed while offline').length, 1);
  const order = await page.locator('.room .message-body').allTextContents();
  assert.deepEqual(order.filter((text) => text.startsWith('Outage')), ['Outage message 1', 'Outage message 2', 'Outage message 3']);
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});
