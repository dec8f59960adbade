// Shared set-up for the call tests: a server whose SFU browsers reach on loopback, colleagues
// in one room, and Chromium with a fake camera and microphone, each colleague signed in on a
// page of their own with the room open.

import { launch, openPage, signIn } from './browser.js';
import { startServer } from './server.js';
import { roomLink } from './chat.js';

export const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

/** Chromium that grants the fake camera and microphone without asking. */
export function launchWithFakeMedia() {
  return launch({ args: FAKE_MEDIA });
}

/**
 * `people` is login -> display name; the first is the admin who creates `room` (`kind`) with
 * the others. `env` adds server settings. Returns the server, the browser and a page per login.
 */
export async function colleaguesInARoom({ people, room, kind = 'group', env = {}, viewport }) {
  const server = await startServer({ env: { SWITCHBOARD__CALLS__PUBLIC_IP: '127.0.0.1', ...env } });
  const accounts = {};
  for (const [index, [login, name]] of Object.entries(people).entries()) {
    accounts[login] = await server.createUser({ login, name, ...(index === 0 && { role: 'admin' }) });
  }
  const [admin, ...others] = Object.keys(people);
  const token = await server.token(admin, accounts[admin].password);
  await server.request('POST', '/api/v1/rooms', {
    token,
    body: { kind, name: room, members: others.map((login) => accounts[login].id) },
  });
  const browser = await launchWithFakeMedia();
  const pages = {};
  for (const login of Object.keys(people)) {
    pages[login] = (await openPage(browser, viewport ? { viewport } : {})).page;
    await signIn(pages[login], server.url, login, accounts[login].password);
    await roomLink(pages[login], room).click();
    await pages[login].getByRole('heading', { name: room, level: 1 }).waitFor();
  }
  return { server, browser, pages };
}
