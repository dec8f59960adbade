// A call through a network that lets no UDP through: the server offers its media only over
// TCP (ICE-TCP on the media port number), and two browsers still see and hear each other,
// over a connection whose candidates are TCP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable } from './support/browser.js';
import { startServer } from './support/server.js';
import { roomLink } from './support/chat.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const WITHIN_MS = 30000;
let server;
let browser;
const pages = {};

before(async () => {
  if (skip) return;
  server = await startServer({ env: { SWITCHBOARD__CALLS__PUBLIC_IP: '127.0.0.1', SWITCHBOARD__CALLS__UDP: 'false' } });
  const people = {
    anna: await server.createUser({ login: 'anna', name: 'Anna Ivanova', role: 'admin' }),
    boris: await server.createUser({ login: 'boris', name: 'Boris Petrov' }),
  };
  const token = await server.token('anna', people.anna.password);
  await server.request('POST', '/api/v1/rooms', { token, body: { kind: 'group', name: 'firewalled', members: [people.boris.id] } });
  browser = await launch({
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
  for (const [login, person] of Object.entries(people)) {
    pages[login] = (await openPage(browser)).page;
    await signIn(pages[login], server.url, login, person.password);
    await roomLink(pages[login], 'firewalled').click();
    await pages[login].getByRole('heading', { name: 'firewalled', level: 1 }).waitFor();
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Decoded video frames and audio packets from anyone, and the protocol of the pair in use. */
async function connection(page) {
  return page.evaluate(async () => {
    const { peerConnection } = window.__switchboard.calls.inspect();
    const found = { framesDecoded: 0, audioPackets: 0, protocol: null };
    if (!peerConnection) return found;
    const stats = await peerConnection.getStats();
    for (const report of stats.values()) {
      if (report.type === 'inbound-rtp' && report.kind === 'video') found.framesDecoded += report.framesDecoded || 0;
      if (report.type === 'inbound-rtp' && report.kind === 'audio') found.audioPackets += report.packetsReceived || 0;
      if (report.type === 'transport' && report.selectedCandidatePairId) {
        const pair = stats.get(report.selectedCandidatePairId);
        found.protocol = stats.get(pair?.remoteCandidateId)?.protocol || null;
      }
    }
    return found;
  });
}

test('with UDP blocked a call runs over TCP and both sides get audio and video', { skip }, async () => {
  // Act: Anna calls; Boris joins from the header.
  await pages.anna.getByRole('button', { name: 'Start a call' }).click();
  await pages.anna.waitForFunction(() => window.__switchboard.calls.inspect().participantId);
  await pages.boris.getByRole('button', { name: 'Join call' }).click();
  // Assert
  for (const page of Object.values(pages)) {
    const deadline = Date.now() + WITHIN_MS;
    let last;
    for (;;) {
      last = await connection(page);
      if (last.framesDecoded > 0 && last.audioPackets > 0) break;
      if (Date.now() > deadline) assert.fail(`no media over TCP; last seen: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(last.protocol, 'tcp');
  }
  for (const page of Object.values(pages)) assert.deepEqual(page.consoleErrors, []);
});
