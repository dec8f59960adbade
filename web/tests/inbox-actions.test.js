// What an operator does with a client conversation besides replying, in a real browser
// against the real server and the Telegram emulator: the SLA countdown, a canned response
// picked with `/`, a private note the client never gets, a label, snoozing, and a transfer
// to a colleague with a note.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { startServer } from './support/server.js';
import { startTelegram, lineWithBot } from './support/telegram.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const BOT = '222:actions';
let server;
let telegram;
let browser;
let olga;
let ivan;

before(async () => {
  if (skip) return;
  server = await startServer();
  telegram = await startTelegram();
  olga = await server.createUser({ login: 'olga', name: 'Olga Orlova', role: 'operator' });
  ivan = await server.createUser({ login: 'ivan', name: 'Ivan Petrov', role: 'operator' });
  const { line } = await lineWithBot(server, telegram, { name: 'Sales', token: BOT, operators: [olga.id, ivan.id], distribution: 'offer_all' });
  const admin = await server.adminToken();
  await server.request('PATCH', `/api/v1/lines/${line.id}`, { token: admin, body: { sla_seconds: 600 } });
  const token = await server.token('olga', olga.password);
  await server.request('POST', '/api/v1/canned', { token, body: { shortcut: 'ship', body: 'We ship to every city within three days.' } });
  await server.request('POST', '/api/v1/canned', { token, body: { shortcut: 'thanks', body: 'Thank you for writing to us!' } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  telegram?.stop();
  await server?.stop();
});

async function botSaid(chat) {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const said = await telegram.botMessages(BOT, chat);
    if (said.length) return said;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

test('an operator answers with a canned response, notes, labels, snoozes and transfers a conversation', { skip }, async () => {
  const { page, context } = await openPage(browser);
  await signIn(page, server.url, 'olga', olga.password);
  await page.locator('.inbox-link').click();
  await page.locator('.me .presence-online').waitFor();
  await telegram.clientSays(BOT, 601, 'Mark Twain', 'Do you ship to Kazan?');
  await page.locator('.inbox-tab[data-tab="queued"]').click();
  await page.locator('.conversation-row', { hasText: 'Mark Twain' }).click();
  await page.getByRole('button', { name: 'Take' }).click();

  // The SLA counts down in the header until the first answer.
  const sla = page.locator('.conversation-header .sla');
  await sla.waitFor();
  assert.match(await sla.textContent(), /^answer within (09|10):\d\d$/);

  // Act: "/sh" offers the canned response; Enter puts it in the field, Enter sends it.
  const field = page.locator('.conversation .composer-field');
  await field.pressSequentially('/sh');
  const menu = page.getByRole('listbox', { name: 'Canned responses' });
  await menu.getByRole('option', { name: /\/ship/ }).waitFor();
  assert.equal(await menu.getByRole('option').count(), 1);
  await field.press('Enter');
  assert.equal(await field.inputValue(), 'We ship to every city within three days.');
  await field.press('Enter');

  // Assert: the client got exactly the canned text.
  assert.deepEqual(await botSaid(601), ['We ship to every city within three days.']);

  // Act: a private note.
  await page.getByRole('button', { name: 'Private note' }).click();
  const noteDialog = page.getByRole('dialog', { name: 'Private note' });
  await noteDialog.getByLabel('Note').fill('Wholesale client, offer the 5% discount');
  await noteDialog.getByRole('button', { name: 'Add the note' }).click();

  // Assert: shown as a note in the history, never sent to the client.
  const note = page.locator('.conversation .message.note', { hasText: 'Wholesale client' });
  await note.waitFor();
  assert.match(await note.textContent(), /Private note/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(await telegram.botMessages(BOT, 601), ['We ship to every city within three days.']);

  // Act: a label.
  await page.getByRole('button', { name: 'Labels' }).click();
  const labels = page.getByRole('dialog', { name: 'Labels' });
  await labels.getByLabel('New label').fill('wholesale');
  await labels.getByRole('button', { name: 'Add the label' }).click();

  // Assert: the label is on the header and on the row.
  await page.locator('.conversation-header .conversation-label', { hasText: 'wholesale' }).waitFor();
  const row = page.locator('.conversation-row', { hasText: 'Mark Twain' });
  await page.locator('.inbox-tab[data-tab="mine"]').click();
  await row.locator('.conversation-label', { hasText: 'wholesale' }).waitFor();
  await screenshot(page, 'inbox-actions');

  // Act: snooze it for an hour.
  await page.getByRole('button', { name: 'Snooze' }).click();
  const snooze = page.getByRole('dialog', { name: 'Snooze the conversation' });
  await snooze.getByRole('button', { name: 'In an hour' }).click();
  await snooze.getByRole('button', { name: 'Snooze', exact: true }).click();

  // Assert: it leaves "Mine" for "Snoozed".
  await page.getByText('Nothing assigned to you right now.').waitFor();
  await page.locator('.inbox-tab[data-tab="snoozed"]').click();
  await row.waitFor();
  assert.match(await page.locator('.conversation-header .room-subtitle').textContent(), /snoozed until/);

  // Act: transfer it to Ivan with a note.
  await page.getByRole('button', { name: 'Transfer' }).click();
  const transfer = page.getByRole('dialog', { name: 'Transfer the conversation' });
  const target = transfer.getByLabel('Transfer to');
  const offered = await target.locator('option').allTextContents();
  assert.ok(offered.includes('Ivan Petrov — Offline, 0 open conversations'), offered.join(' | '));
  await target.selectOption({ label: 'Ivan Petrov — Offline, 0 open conversations' });
  await transfer.getByLabel('Note for the colleague').fill('Send him the wholesale price list');
  await transfer.getByRole('button', { name: 'Transfer' }).click();

  // Assert: it is Ivan's now, and it left Olga's lists.
  await page.getByText('Nothing snoozed.').waitFor();
  const ivanToken = await server.token('ivan', ivan.password);
  const ivans = await server.request('GET', '/api/v1/conversations?status=assigned', { token: ivanToken });
  assert.deepEqual(ivans.map((c) => [c.client_name, c.assignee_id, c.labels]), [['Mark Twain', ivan.id, ['wholesale']]]);
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});
