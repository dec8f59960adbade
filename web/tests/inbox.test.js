// The operator inbox against the real server and the Telegram emulator: a client writes, the
// conversation appears without a reload, the operator takes it and replies, the client gets
// the reply, the operator closes it; then the same inbox in Russian with no English left.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { startServer } from './support/server.js';
import { startTelegram, lineWithBot } from './support/telegram.js';
import { visibleEnglish } from './support/i18n.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const BOT = '111:support';
let server;
let telegram;
let browser;
let olga;

before(async () => {
  if (skip) return;
  server = await startServer();
  telegram = await startTelegram();
  olga = await server.createUser({ login: 'olga', name: 'Olga Orlova', role: 'operator' });
  // An offer-to-all line: conversations wait in the queue until an operator takes them.
  await lineWithBot(server, telegram, { name: 'Support', token: BOT, operators: [olga.id], distribution: 'offer_all' });
  // The first client is already in the CRM, with Olga responsible.
  const admin = await server.adminToken();
  const contact = await server.request('POST', '/api/v1/contacts', {
    token: admin,
    body: {
      first_name: 'Anna',
      last_name: 'Smirnova',
      responsible_id: olga.id,
      phones: [{ number: '+7 916 123-45-67' }],
      identities: [{ channel: 'telegram', external_id: '501' }],
    },
  });
  await server.request('POST', `/api/v1/contacts/${contact.id}/comments`, { token: admin, body: { text: 'Prefers Telegram, orders every month' } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  telegram?.stop();
  await server?.stop();
});

/** Records the app's desktop notifications and chime tones, as if the operator were in
 * another window (the app notifies only then). Runs in the page before the app. */
function recordAttention() {
  window.recorded = { notes: [], tones: 0 };
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.recorded.notes.push({ title, body: options?.body });
    }
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.recorded.tones += 1;
    return start.apply(this, args);
  };
  Document.prototype.hasFocus = () => false;
}

async function openInbox(page) {
  await signIn(page, server.url, 'olga', olga.password);
  await page.locator('.inbox-link').click();
  await page.locator('.inbox-list-pane h1').waitFor();
  // Online (the own presence dot turns green once the socket is up): live events flow.
  await page.locator('.me .presence-online').waitFor();
}

test('a Telegram client is answered from the inbox and the conversation is closed', { skip }, async () => {
  const { page, context } = await openPage(browser);
  await context.grantPermissions(['notifications']);
  await page.addInitScript(recordAttention);
  await openInbox(page);
  await page.locator('.inbox-tab[data-tab="queued"]').click();
  await page.getByText('No client is waiting.').waitFor();

  // Act: the client writes.
  await telegram.clientSays(BOT, 501, 'Anna Smirnova', 'Hello, where is my order 4471?');

  // Assert: the conversation appears in the queue without a reload, with its preview, and
  // the sidebar counts it as waiting.
  const row = page.locator('.conversation-row', { hasText: 'Anna Smirnova' });
  await row.waitFor({ timeout: 5000 });
  assert.match(await row.textContent(), /Hello, where is my order 4471\?/);
  assert.equal(await row.locator('.channel-icon').getAttribute('title'), 'Telegram');
  assert.equal(await page.locator('.inbox-link .badge').textContent(), '1');
  // ... with a chime (two tones) and a desktop notification.
  await page.waitForFunction(() => window.recorded.tones === 2 && window.recorded.notes.length === 1);
  assert.deepEqual(await page.evaluate(() => window.recorded.notes), [
    { title: 'A client is waiting in the queue', body: 'Anna Smirnova: Hello, where is my order 4471?' },
  ]);

  // The client adds a photo (Telegram keeps the file; the hub stores its reference).
  await telegram.clientSays(BOT, 501, 'Anna Smirnova', undefined, {
    caption: 'This is the label on the box',
    photo: [{ file_id: 'photo-small', file_unique_id: 'u1', width: 90, height: 90, file_size: 2048 }, { file_id: 'photo-big', file_unique_id: 'u2', width: 800, height: 800, file_size: 81920 }],
  });

  // Act: open it and take it.
  await row.click();
  await page.getByRole('heading', { name: 'Anna Smirnova', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Take' }).click();

  // Assert: the history opens, the client's message distinct from the team's; the CRM card
  // with its timeline is beside it.
  const clientMessage = page.locator('.conversation .message.from-client', { hasText: 'Hello, where is my order 4471?' });
  await clientMessage.waitFor();
  const photo = page.locator('.conversation .message.from-client', { hasText: 'This is the label on the box' });
  assert.match(await photo.locator('.provider-file').textContent(), /^Photo80 KB$/);
  const panel = page.getByRole('complementary', { name: 'Contact' });
  await panel.getByText('+79161234567').waitFor();
  await panel.getByText('Prefers Telegram, orders every month').waitFor();
  await page.locator('.inbox-tab[data-tab="mine"]').click();
  await page.locator('.conversation-row', { hasText: 'Anna Smirnova' }).waitFor();

  // Act: reply, quoting the client's question.
  await clientMessage.hover();
  await clientMessage.getByRole('button', { name: 'Reply', exact: true }).click();
  const quoteBar = page.locator('.conversation .composer-quote');
  assert.match(await quoteBar.textContent(), /Replying to Anna Smirnova.*Hello, where is my order 4471\?/);
  const field = page.locator('.conversation .composer-field');
  await field.fill('Your order is on its way, it arrives tomorrow.');
  await field.press('Enter');

  // Assert: the reply is marked delivered, shows what it answers, and the client received it
  // as a reply to their message.
  const reply = page.locator('.conversation .message.own', { hasText: 'Your order is on its way' });
  await reply.getByRole('img', { name: 'Delivered to the client’s messenger' }).waitFor();
  assert.match(await reply.locator('.message-quote').textContent(), /Anna Smirnova.*Hello, where is my order 4471\?/);
  assert.equal(await quoteBar.isHidden(), true);
  assert.equal(await reply.evaluate((el) => el.classList.contains('from-client')), false);
  let delivered = [];
  for (let attempt = 0; attempt < 50 && !delivered.length; attempt += 1) {
    delivered = await telegram.botMessages(BOT, 501);
    if (!delivered.length) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(delivered, ['Your order is on its way, it arrives tomorrow.']);
  const [sent] = await telegram.botSent(BOT, 501);
  assert.equal(typeof sent.reply_parameters?.message_id, 'number', JSON.stringify(sent));
  await screenshot(page, 'inbox-conversation');

  // Act: close it.
  await page.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Close the conversation' }).click();

  // Assert: it leaves "Mine" and is listed under "Closed"; the composer is read-only.
  await page.locator('.inbox-tab[data-tab="mine"]').click();
  await page.getByText('Nothing assigned to you right now.').waitFor();
  await page.locator('.inbox-tab[data-tab="closed"]').click();
  await page.locator('.conversation-row', { hasText: 'Anna Smirnova' }).waitFor();
  assert.equal(await page.locator('.conversation .composer-field').isDisabled(), true);
  await screenshot(page, 'inbox');
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});

test('in Russian, a new conversation appears live and the inbox shows no English', { skip }, async (t) => {
  const { page, context } = await openPage(browser, { locale: 'ru-RU' });
  await openInbox(page);
  await page.locator('.inbox-tab[data-tab="queued"]').click();
  await page.getByText('В очереди никого нет.').waitFor();

  // Act: a new client writes.
  const sentAt = Date.now();
  await telegram.clientSays(BOT, 502, 'Пётр Иванов', 'Добрый день! Хочу оформить заказ.');

  // Assert: it is in the queue at once (announced over the websocket, well before the
  // periodic refresh), and Olga takes it.
  const row = page.locator('.conversation-row', { hasText: 'Пётр Иванов' });
  await row.waitFor({ timeout: 5000 });
  t.diagnostic(`client message to inbox row: ${Date.now() - sentAt} ms`);
  await row.click();
  await page.getByRole('button', { name: 'Взять' }).click();
  await page.locator('.conversation .message.from-client', { hasText: 'Хочу оформить заказ' }).waitFor();
  // Not in the CRM: the panel shows what the channel tells.
  await page.getByRole('complementary', { name: 'Контакт' }).getByText('Пока нет в CRM').waitFor();
  const field = page.locator('.conversation .composer-field');
  await field.fill('Здравствуйте! Сейчас помогу.');
  await field.press('Enter');
  await page.locator('.conversation .message.own .delivery-sent').waitFor();

  // Assert: no visible text is an English string of the app.
  assert.deepEqual(await visibleEnglish(page), []);
  await screenshot(page, 'inbox-ru');
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});

test('a client writing again shows as unread, and a reply that cannot reach Telegram says so', { skip }, async () => {
  const { page, context } = await openPage(browser);
  await openInbox(page);
  const row = page.locator('.conversation-row', { hasText: 'Пётр Иванов' });
  await row.waitFor();

  // (The last session's read position may not have reached the server before its tab
  // closed, so the count starts where the server left it.)
  const badge = row.locator('.badge');
  const unreadBefore = (await badge.count()) ? Number(await badge.textContent()) : 0;

  // Act: the client writes while Olga has no conversation open.
  await telegram.clientSays(BOT, 502, 'Пётр Иванов', 'Can you call me back?');

  // Assert: the row's preview, unread count and waiting time change live; the sidebar counts it.
  await row.locator('.conversation-preview-text', { hasText: /^Can you call me back\?$/ }).waitFor();
  assert.equal(await badge.textContent(), String(unreadBefore + 1));
  await row.locator('.waiting').waitFor();
  assert.equal(await page.locator('.inbox-link .badge').textContent(), '1');

  // Act: open it; Telegram becomes unreachable; reply.
  await row.click();
  await badge.waitFor({ state: 'detached' });
  telegram.stop();
  const field = page.locator('.conversation .composer-field');
  await field.fill('I will call you in five minutes.');
  await field.press('Enter');

  // Assert: the reply says it has not reached the client yet.
  const reply = page.locator('.conversation .message.own', { hasText: 'five minutes' });
  await reply.getByText('Not delivered yet, trying again').waitFor();
  await page.locator('.inbox-link .badge').waitFor({ state: 'detached' });
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});
