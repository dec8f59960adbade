// A call through a network that lets no UDP through: the server offers its media only over
// TCP (ICE-TCP on the media port number), and two browsers still see and hear each other,
// over a connection whose candidates are TCP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumAvailable } from './support/browser.js';
import { colleaguesInARoom } from './support/calls.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const WITHIN_MS = 30000;
let server;
let browser;
let pages = {};

before(async () => {
  if (skip) return;
  ({ server, browser, pages } = await colleaguesInARoom({
    people: { anna: 'Anna Ivanova', boris: 'Boris Petrov' },
    room: 'firewalled',
    env: { SWITCHBOARD__CALLS__UDP: 'false' },
  }));
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
