// Guest links in the browser: a member in a call copies a guest link; someone without an
// account opens it in another browser context (Chromium's fake camera and microphone),
// enters a name and joins; both pages' RTCPeerConnection stats show decoded video and
// received audio from the other; the member sees the guest's tile; recording starts once the
// guest allows it, with the indicator on both pages; a link that is not valid says so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { startServer } from './support/server.js';
import { launchWithFakeMedia } from './support/calls.js';
import { roomLink } from './support/chat.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const MEDIA_WITHIN_MS = 30000;
let server;
let browser;
let anna;

before(async () => {
  if (skip) return;
  server = await startServer({ env: { SWITCHBOARD__CALLS__PUBLIC_IP: '127.0.0.1' } });
  const person = await server.createUser({ login: 'anna', name: 'Anna Ivanova', role: 'admin' });
  const token = await server.token('anna', person.password);
  await server.request('POST', '/api/v1/rooms', { token, body: { kind: 'channel', name: 'clients', members: [] } });
  browser = await launchWithFakeMedia();
  anna = (await openPage(browser)).page;
  await signIn(anna, server.url, 'anna', person.password);
  await roomLink(anna, 'clients').click();
  await anna.getByRole('heading', { name: 'clients', level: 1 }).waitFor();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function participantId(page) {
  await page.waitForFunction(() => window.__switchboard.calls.inspect().participantId);
  return page.evaluate(() => window.__switchboard.calls.inspect().participantId);
}

/** Waits until `page` decodes video and receives audio from `sender`. */
async function assertMediaFrom(page, sender) {
  const deadline = Date.now() + MEDIA_WITHIN_MS;
  let last = {};
  while (Date.now() < deadline) {
    last = await page.evaluate(async () => {
      const { peerConnection, participantByMid } = window.__switchboard.calls.inspect();
      const byParticipant = {};
      if (!peerConnection) return byParticipant;
      for (const report of (await peerConnection.getStats()).values()) {
        const owner = report.type === 'inbound-rtp' && participantByMid[report.mid];
        if (!owner) continue;
        byParticipant[owner] ||= { framesDecoded: 0, audioPackets: 0 };
        if (report.kind === 'video') byParticipant[owner].framesDecoded += report.framesDecoded || 0;
        if (report.kind === 'audio') byParticipant[owner].audioPackets += report.packetsReceived || 0;
      }
      return byParticipant;
    });
    if (last[sender]?.framesDecoded > 0 && last[sender]?.audioPackets > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`media from ${sender} did not arrive; stats: ${JSON.stringify(last)}`);
}

test('a guest opens a copied link, joins with a name, and media flows both ways', { skip }, async () => {
  // Arrange: Anna is in a call and copies a guest link.
  await anna.getByRole('button', { name: 'Start a call' }).click();
  await anna.locator('.call-view').waitFor();
  await anna.getByRole('button', { name: 'Copy guest link' }).click();
  const field = anna.getByRole('textbox', { name: 'Guest link' });
  await field.waitFor();
  const url = await field.inputValue();
  assert.match(url, /\/guest\/sbl_[\w-]+$/);

  // Act: someone without an account opens it and joins as Ivan.
  const guest = (await openPage(browser)).page;
  await guest.goto(url);
  await guest.getByText('The call is on. Enter your name to join.').waitFor();
  await guest.getByLabel('Your name').fill('Ivan Client');
  await guest.getByRole('button', { name: 'Join' }).click();

  // Assert: media both ways; Anna sees the guest's tile by the name given.
  const ids = { anna: await participantId(anna), guest: await participantId(guest) };
  await assertMediaFrom(anna, ids.guest);
  await assertMediaFrom(guest, ids.anna);
  await anna.locator('.call-tile', { hasText: 'Ivan Client (guest)' }).waitFor();
  await guest.locator('.call-tile', { hasText: 'Anna Ivanova' }).waitFor();

  // Act: Anna asks to record; the guest is asked and allows it.
  await anna.getByRole('button', { name: 'Record' }).click();
  await anna.getByRole('status').filter({ hasText: 'Asking everyone to consent to recording…' }).waitFor();
  const asked = guest.getByRole('alertdialog', { name: 'Recording request' });
  await asked.getByText('Anna Ivanova wants to record this call.').waitFor();
  await asked.getByRole('button', { name: 'Allow recording' }).click();
  // Assert: both see that recording is on.
  for (const page of [anna, guest]) await page.locator('.call-recording.on', { hasText: 'Recording' }).waitFor();
  await asked.waitFor({ state: 'hidden' });
  await screenshot(guest, 'call-guest-recording');

  // Act: the guest leaves, then Anna.
  await guest.getByRole('button', { name: 'Leave call' }).click();
  await guest.getByText('You left the call.').waitFor();
  await anna.waitForFunction(() => document.querySelectorAll('.call-tile').length === 1);
  await anna.getByRole('button', { name: 'Leave call' }).click();
  // Assert: the room's summary counts the guest.
  await anna.locator('.room .call-summary', { hasText: /^Call, \d+:\d\d, 2 participants$/ }).waitFor();
  assert.deepEqual(anna.consoleErrors, []);
  assert.deepEqual(guest.consoleErrors, []);
});

test('a link that is not valid says so instead of asking for a name', { skip }, async () => {
  const guest = (await openPage(browser)).page;
  await guest.goto(new URL('/guest/sbl_not-a-real-link', server.url).href);
  await guest.getByText('This link is not valid.').waitFor();
  assert.equal(await guest.getByLabel('Your name').count(), 0);
});
