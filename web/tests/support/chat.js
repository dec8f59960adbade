// Shared set-up for the chat tests: a server with two colleagues who share a channel.

import { startServer } from './server.js';

export async function twoColleagues() {
  const server = await startServer();
  const anna = await server.createUser({ login: 'anna', name: 'Anna Ivanova', role: 'admin' });
  const boris = await server.createUser({ login: 'boris', name: 'Boris Petrov', role: 'operator' });
  const annaToken = await server.token('anna', anna.password);
  const general = await server.request('POST', '/api/v1/rooms', {
    token: annaToken,
    body: { kind: 'channel', name: 'general', topic: 'Company-wide news', members: [boris.id] },
  });
  return { server, anna: { ...anna, token: annaToken }, boris, general };
}

/** The sidebar link of a room, by its visible name. */
export function roomLink(page, name) {
  return page.getByRole('navigation', { name: /Conversations|Беседы/ }).getByRole('link', { name: new RegExp(`^${name}`) });
}

/** Types and sends a message with the keyboard. */
export async function send(page, text) {
  const field = page.locator('.room .composer-field');
  await field.fill(text);
  await field.press('Enter');
}

/** The main timeline's messages whose body is exactly `text`. */
export function messages(page, text) {
  return page.locator('.room .message-list .message-body', { hasText: new RegExp(`^${text}$`) });
}
