// Video calls through Switchboard's SFU: three colleagues in three browser contexts with
// Chromium's fake camera and microphone. Two and then three pages join one call, and every
// page's RTCPeerConnection stats show decoded video and received audio from each other
// participant; a page leaves and rejoins and media flows again; the ended call is recorded
// in the room.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumAvailable, screenshot } from './support/browser.js';
import { colleaguesInARoom } from './support/calls.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const MEDIA_WITHIN_MS = 30000;
let server;
let browser;
let pages = {};

before(async () => {
  if (skip) return;
  ({ server, browser, pages } = await colleaguesInARoom({
    people: { anna: 'Anna Ivanova', boris: 'Boris Petrov', vera: 'Vera Sokolova' },
    room: 'standup',
    kind: 'channel',
  }));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** This page's participant id in the call, once joined. */
async function participantId(page) {
  await page.waitForFunction(() => window.__switchboard.calls.inspect().participantId);
  return page.evaluate(() => window.__switchboard.calls.inspect().participantId);
}

/** Per sending participant: decoded video frames and received audio packets on this page. */
async function received(page) {
  return page.evaluate(async () => {
    const { peerConnection, participantByMid } = window.__switchboard.calls.inspect();
    const byParticipant = {};
    if (!peerConnection) return byParticipant;
    const stats = await peerConnection.getStats();
    for (const report of stats.values()) {
      if (report.type !== 'inbound-rtp') continue;
      const owner = participantByMid[report.mid];
      if (!owner) continue;
      byParticipant[owner] ||= { framesDecoded: 0, audioPackets: 0 };
      if (report.kind === 'video') byParticipant[owner].framesDecoded += report.framesDecoded || 0;
      if (report.kind === 'audio') byParticipant[owner].audioPackets += report.packetsReceived || 0;
    }
    return byParticipant;
  });
}

/** Waits until `page` decodes video and receives audio from every one of `senders`. */
async function assertMediaFrom(page, senders) {
  const deadline = Date.now() + MEDIA_WITHIN_MS;
  let last = {};
  while (Date.now() < deadline) {
    last = await received(page);
    if (senders.every((id) => last[id]?.framesDecoded > 0 && last[id]?.audioPackets > 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`media from ${senders.join(', ')} did not arrive; stats: ${JSON.stringify(last)}`);
}

async function assertEveryoneHearsEveryone(logins) {
  const ids = {};
  for (const login of logins) ids[login] = await participantId(pages[login]);
  for (const login of logins) {
    await assertMediaFrom(pages[login], logins.filter((other) => other !== login).map((other) => ids[other]));
  }
  return ids;
}

test('a colleague accepts a ringing call and both receive audio and video', { skip }, async () => {
  // Act: Anna starts a call in the channel; Boris's page rings and he accepts.
  await pages.anna.getByRole('button', { name: 'Start a call' }).click();
  const ringing = pages.boris.getByRole('alertdialog', { name: 'Incoming call' });
  await ringing.getByText('Anna Ivanova started a call in standup').waitFor();
  await ringing.getByRole('button', { name: 'Accept' }).click();
  // Assert
  await assertEveryoneHearsEveryone(['anna', 'boris']);
  await ringing.waitFor({ state: 'detached' });
  await pages.anna.locator('.call-tile').nth(1).waitFor();
  assert.equal(await pages.anna.locator('.call-tile').count(), 2);
});

test('a third participant joins from the room header and media flows between all three', { skip }, async () => {
  // Act: Vera declines the ringing, then joins from the header.
  await pages.vera.getByRole('alertdialog', { name: 'Incoming call' }).getByRole('button', { name: 'Decline' }).click();
  await pages.vera.getByRole('button', { name: 'Join call' }).click();
  // Assert
  await assertEveryoneHearsEveryone(['anna', 'boris', 'vera']);
  await pages.anna.locator('.call-tile').nth(2).waitFor();
  // The fake microphones beep: someone is picked as the active speaker from audio levels.
  await pages.anna.locator('.call-tile.speaking').waitFor();
  await screenshot(pages.anna, 'call-three-participants');
});

test('a participant who leaves and rejoins gets media again and sends it again', { skip }, async () => {
  // Arrange
  const before = await participantId(pages.boris);
  // Act: Boris leaves; the others see two tiles; he rejoins.
  await pages.boris.getByRole('button', { name: 'Leave call' }).click();
  await pages.boris.locator('.call-view').waitFor({ state: 'hidden' });
  await pages.anna.waitForFunction(() => document.querySelectorAll('.call-tile').length === 2);
  await pages.boris.getByRole('button', { name: 'Join call' }).click();
  // Assert
  const ids = await assertEveryoneHearsEveryone(['anna', 'boris', 'vera']);
  assert.notEqual(ids.boris, before);
});

test('when the last participant leaves the call is recorded in the room', { skip }, async () => {
  // Act: mute (the others see it), then everyone leaves.
  await pages.vera.getByRole('button', { name: 'Mute' }).click();
  await pages.anna.locator('.call-tile', { hasText: 'Vera Sokolova · muted' }).waitFor();
  for (const login of ['anna', 'boris', 'vera']) {
    await pages[login].getByRole('button', { name: 'Leave call' }).click();
  }
  // Assert: a call summary with three participants appears for everyone.
  for (const login of ['anna', 'boris', 'vera']) {
    await pages[login].locator('.room .call-summary', { hasText: /^Call, \d+:\d\d, 3 participants$/ }).waitFor();
  }
  for (const page of Object.values(pages)) assert.deepEqual(page.consoleErrors, []);
});
