// Simulcast in the browser: Anna's page sends her camera in several sizes at once, and Boris's
// page receives the size that fits the tile he shows her in — a smaller window makes a smaller
// tile, the server switches him to a smaller layer, and a larger window switches him back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumAvailable } from './support/browser.js';
import { colleaguesInARoom } from './support/calls.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const WITHIN_MS = 30000;
const LARGE = { width: 1366, height: 800 };
const SMALL = { width: 520, height: 420 };
let server;
let browser;
let pages = {};

before(async () => {
  if (skip) return;
  ({ server, browser, pages } = await colleaguesInARoom({
    people: { anna: 'Anna Ivanova', boris: 'Boris Petrov' },
    room: 'review',
    viewport: LARGE,
    // The media server's view changes, keyframe requests and layer switches, for a failure
    // to show which step stalled.
    env: { RUST_LOG: 'warn,media::sfu=debug' },
  }));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The simulcast layers (by rid) Anna's page is sending video in now, with their heights. */
async function sentLayers(page) {
  return page.evaluate(async () => {
    const { peerConnection } = window.__switchboard.calls.inspect();
    const layers = {};
    if (!peerConnection) return layers;
    for (const report of (await peerConnection.getStats()).values()) {
      if (report.type === 'outbound-rtp' && report.kind === 'video' && report.rid && report.framesEncoded > 0) {
        layers[report.rid] = report.frameHeight;
      }
    }
    return layers;
  });
}

/** The height of the video Boris's page decodes from `sender`, and the view it asked for. */
async function receivedFrom(page, sender) {
  return page.evaluate(async (sender) => {
    const { peerConnection, participantByMid, views } = window.__switchboard.calls.inspect();
    let frameHeight = 0;
    if (!peerConnection) return { frameHeight, view: undefined };
    for (const report of (await peerConnection.getStats()).values()) {
      if (report.type === 'inbound-rtp' && report.kind === 'video' && participantByMid[report.mid] === sender) {
        frameHeight = report.frameHeight || 0;
      }
    }
    return { frameHeight, view: views[sender] };
  }, sender);
}

async function eventually(what, read, ok) {
  const deadline = Date.now() + WITHIN_MS;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`${what}; last seen: ${JSON.stringify(last)}\nthe media server's last decisions:\n${sfuLog()}`);
}

function sfuLog() {
  return server
    .logs()
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.includes('media::sfu'))
    .slice(-40)
    .join('\n');
}

test('a smaller tile gets a smaller simulcast layer and a larger one the larger layer again', { skip }, async () => {
  // Arrange: Anna calls, Boris joins from the header.
  await pages.anna.getByRole('button', { name: 'Start a call' }).click();
  await pages.anna.waitForFunction(() => window.__switchboard.calls.inspect().participantId);
  const anna = await pages.anna.evaluate(() => window.__switchboard.calls.inspect().participantId);
  await pages.boris.getByRole('button', { name: 'Join call' }).click();
  // Assert: Anna sends more than one size of her camera.
  const layers = await eventually('Anna sends simulcast', () => sentLayers(pages.anna), (l) => Object.keys(l).length >= 2);
  const heights = Object.values(layers).sort((a, b) => a - b);
  // Boris, in a large window, decodes a picture taller than the smallest layer.
  const large = await eventually(
    'Boris decodes Anna in a large tile',
    () => receivedFrom(pages.boris, anna),
    (r) => r.frameHeight > heights[0] && r.view !== 'low',
  );

  // Act: Boris makes his window small; Anna's tile shrinks.
  await pages.boris.setViewportSize(SMALL);
  // Assert: his page asks for the small layer and decodes a smaller picture.
  const small = await eventually(
    'Boris decodes a smaller layer in a small tile',
    () => receivedFrom(pages.boris, anna),
    (r) => r.view === 'low' && r.frameHeight > 0 && r.frameHeight < large.frameHeight,
  );

  // Act: the window grows again.
  await pages.boris.setViewportSize(LARGE);
  // Assert (what Anna sends is read too, so that a failure tells a layer she stopped sending
  // from one the server did not switch to)
  await eventually(
    'Boris decodes the larger layer again',
    async () => ({ ...(await receivedFrom(pages.boris, anna)), annaSends: await sentLayers(pages.anna) }),
    (r) => r.view !== 'low' && r.frameHeight > small.frameHeight,
  );
  for (const page of Object.values(pages)) assert.deepEqual(page.consoleErrors, []);
});
