// The contact panel beside a client conversation, in a real browser against the real server
// and the Telegram emulator: the operator edits the client's contact (a phone the server
// cannot normalize is refused at its field), creates a task and a deal for them, links the
// conversation to the deal, and the deal's timeline then carries the client's messages;
// then the same panel in Russian with no English left.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { startServer } from './support/server.js';
import { startTelegram, lineWithBot } from './support/telegram.js';
import { visibleEnglish } from './support/i18n.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const BOT = '333:panel';
let server;
let telegram;
let browser;
let olga;
let maria;
let olgaToken;

before(async () => {
  if (skip) return;
  server = await startServer();
  telegram = await startTelegram();
  olga = await server.createUser({ login: 'olga', name: 'Olga Orlova', role: 'operator' });
  await lineWithBot(server, telegram, { name: 'Sales', token: BOT, operators: [olga.id], distribution: 'offer_all' });
  // The client is in the CRM already, Olga responsible, known by her Telegram id.
  const admin = await server.adminToken();
  maria = await server.request('POST', '/api/v1/contacts', {
    token: admin,
    body: { first_name: 'Maria', last_name: 'Kuznetsova', responsible_id: olga.id, identities: [{ channel: 'telegram', external_id: '701' }] },
  });
  olgaToken = await server.token('olga', olga.password);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  telegram?.stop();
  await server?.stop();
});

async function openInbox(page) {
  await signIn(page, server.url, 'olga', olga.password);
  await page.locator('.inbox-link').click();
  await page.locator('.me .presence-online').waitFor();
}

/** A datetime-local value (local wall-clock time) `hours` from now. */
function localDateTime(hours) {
  const at = new Date(Date.now() + hours * 3_600_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** The console's errors besides Chromium's note on each refused contact save (`refused` of
 * them, each a 422 the test provoked). */
function unexpectedErrors(page, refused) {
  const expected = page.consoleErrors.filter((e) => e.includes('status of 422') && e.includes(`/api/v1/contacts/${maria.id}`));
  assert.equal(expected.length, refused, page.consoleErrors.join('\n'));
  return page.consoleErrors.filter((e) => !expected.includes(e));
}

/** The text that `aria-describedby` ties to a field, or null. */
function description(locator) {
  return locator.evaluate((el) => {
    const id = el.getAttribute('aria-describedby');
    return id ? document.getElementById(id)?.textContent ?? null : null;
  });
}

test('from the panel the operator edits the contact, adds a task and a deal and links the conversation to the deal', { skip }, async () => {
  const { page, context } = await openPage(browser);
  await openInbox(page);
  await telegram.clientSays(BOT, 701, 'Maria', 'Hello! I need 40 pallets by Friday.');
  await page.locator('.inbox-tab[data-tab="queued"]').click();
  await page.locator('.conversation-row', { hasText: 'Maria' }).click();
  await page.getByRole('button', { name: 'Take' }).click();
  await page.locator('.conversation .message.from-client', { hasText: '40 pallets' }).waitFor();

  // The panel: the contact's card with empty deals, tasks and no linked deal.
  const panel = page.getByRole('complementary', { name: 'Contact' });
  await panel.getByRole('heading', { name: 'Maria Kuznetsova' }).waitFor();
  await panel.getByText('Telegram · 701').waitFor();
  await panel.getByText('No deals yet.', { exact: true }).waitFor();
  await panel.getByText('No open tasks.', { exact: true }).waitFor();
  await panel.getByText('The contact has no deals yet.', { exact: true }).waitFor();

  // Act: edit the position and add a phone the server cannot normalize.
  await panel.getByRole('button', { name: 'Edit' }).click();
  const form = panel.getByRole('form', { name: 'Edit the contact' });
  await form.getByLabel('Position').fill('Head of purchasing');
  await form.getByRole('button', { name: 'Add a phone' }).click();
  const phone = form.getByLabel('Phone 1', { exact: true });
  await phone.fill('12345');
  await form.getByRole('button', { name: 'Save' }).click();

  // Assert: the phone is refused at its field, and nothing was saved.
  await form.locator('.field-error').waitFor();
  assert.equal(await phone.getAttribute('aria-invalid'), 'true');
  assert.equal(await description(phone), 'Not a phone number: give the country code and 8 to 15 digits.');
  assert.equal(await form.getByLabel('Position').getAttribute('aria-invalid'), null);
  assert.equal(await form.locator('.form-error').textContent(), 'Correct the marked fields.');
  const unchanged = await server.request('GET', `/api/v1/contacts/${maria.id}`, { token: olgaToken });
  assert.deepEqual([unchanged.position, unchanged.phones], [null, []]);

  // Act: correct it and save.
  await phone.fill('+7 916 555-12-34');
  await form.getByRole('button', { name: 'Save' }).click();

  // Assert: the card shows the saved values, normalized, without a reload.
  await page.locator('.toast', { hasText: 'The contact is saved.' }).waitFor();
  await panel.locator('.card-fields').getByText('+79165551234', { exact: true }).waitFor();
  await panel.locator('.contact-position', { hasText: 'Head of purchasing' }).waitFor();
  assert.equal(await form.count(), 0);
  const saved = await server.request('GET', `/api/v1/contacts/${maria.id}`, { token: olgaToken });
  assert.deepEqual([saved.position, saved.phones.map((p) => p.number)], ['Head of purchasing', ['+79165551234']]);

  // Act: a task for the contact, due yesterday.
  await panel.getByRole('button', { name: 'New task' }).click();
  const taskDialog = page.getByRole('dialog', { name: 'New task' });
  await taskDialog.getByLabel('Task').fill('Send Maria the pallet price list');
  await taskDialog.getByLabel('Deadline').fill(localDateTime(-24));
  assert.equal(await taskDialog.getByLabel('Responsible').inputValue(), olga.id);
  await taskDialog.getByRole('button', { name: 'Create the task' }).click();

  // Assert: listed among the open tasks at once, marked overdue, linking to the tasks page.
  const taskRow = panel.locator('.task-row', { hasText: 'Send Maria the pallet price list' });
  await taskRow.locator('.overdue-chip', { hasText: 'Overdue' }).waitFor();
  assert.equal(await taskRow.getByRole('link').getAttribute('href'), '/crm/tasks');
  const [task] = (await server.request('GET', `/api/v1/contacts/${maria.id}/tasks`, { token: olgaToken })).items;
  assert.deepEqual([task.title, task.responsible_id, task.entity], ['Send Maria the pallet price list', olga.id, { kind: 'contact', id: maria.id }]);

  // Act: a deal for the contact.
  await panel.getByRole('button', { name: 'New deal' }).click();
  const dealDialog = page.getByRole('dialog', { name: 'New deal' });
  await dealDialog.getByText('For Maria Kuznetsova').waitFor();
  await dealDialog.getByLabel('Title').fill('40 pallets for Maria');
  await dealDialog.getByLabel('Amount').fill('64000');
  await dealDialog.getByLabel('Currency').fill('RUB');
  await dealDialog.getByRole('button', { name: 'Create the deal' }).click();

  // Assert: listed among the deals at once with its stage, and the contact's on the server.
  const dealRow = panel.locator('.deal-row', { hasText: '40 pallets for Maria' });
  await dealRow.locator('.stage-chip', { hasText: 'New' }).waitFor();
  const [deal] = (await server.request('GET', `/api/v1/deals?contact_id=${maria.id}`, { token: olgaToken })).items;
  assert.equal(deal.title, '40 pallets for Maria');

  // Act: link the conversation to the deal.
  const linkSection = panel.getByRole('region', { name: 'Conversation’s deal' });
  await linkSection.getByLabel('Deal to link').selectOption({ label: '40 pallets for Maria' });
  await linkSection.getByRole('button', { name: 'Link to the deal' }).click();

  // Assert: the panel shows the linked deal; the server's conversation carries it.
  await page.locator('.toast', { hasText: 'The conversation is linked to “40 pallets for Maria”.' }).waitFor();
  await linkSection.getByRole('button', { name: 'Unlink the conversation from “40 pallets for Maria”' }).waitFor();
  const [conversation] = await server.request('GET', '/api/v1/conversations?status=assigned', { token: olgaToken });
  assert.equal(conversation.deal_id, deal.id);
  await screenshot(page, 'contact-panel');

  // Act: the client writes again while linked; then the operator unlinks the deal.
  await telegram.clientSays(BOT, 701, 'Maria', 'Can you deliver them to the Kazan warehouse?');
  await page.locator('.conversation .message.from-client', { hasText: 'Kazan warehouse' }).waitFor();
  await linkSection.getByRole('button', { name: 'Unlink the conversation from “40 pallets for Maria”' }).click();

  // Assert: the panel offers linking again; the server's conversation has no deal.
  await linkSection.getByLabel('Deal to link').waitFor();
  const [unlinked] = await server.request('GET', '/api/v1/conversations?status=assigned', { token: olgaToken });
  assert.equal(unlinked.deal_id, null);

  // Act: open the deal from the panel's deals.
  await dealRow.getByRole('link', { name: '40 pallets for Maria' }).click();

  // Assert: the deal's timeline carries the client's messages: the one from before the link
  // and the one while linked.
  await page.getByRole('heading', { name: '40 pallets for Maria', level: 1 }).waitFor();
  await page.locator('.crm-timeline .timeline-message', { hasText: 'Kazan warehouse' }).waitFor();
  await page.locator('.crm-timeline .timeline-message', { hasText: 'I need 40 pallets by Friday' }).waitFor();
  await screenshot(page, 'contact-panel-deal');
  assert.deepEqual(unexpectedErrors(page, 1), []);
  await context.close();
});

test('the panel, its edit form and its dialogs show no English in Russian', { skip }, async () => {
  // A Russian team names its stages in Russian (the seeded pipeline's are English).
  const [deal] = (await server.request('GET', `/api/v1/deals?contact_id=${maria.id}`, { token: olgaToken })).items;
  await server.request('PATCH', `/api/v1/pipelines/${deal.pipeline_id}/stages/${deal.stage_id}`, { token: await server.adminToken(), body: { name: 'Новая' } });
  const { page, context } = await openPage(browser, { locale: 'ru-RU' });
  await openInbox(page);
  await page.locator('.conversation-row', { hasText: 'Maria' }).click();
  const panel = page.getByRole('complementary', { name: 'Контакт' });
  await panel.getByRole('heading', { name: 'Maria Kuznetsova' }).waitFor();
  await panel.locator('.deal-row .stage-chip').first().waitFor();
  await panel.locator('.task-row').first().waitFor();
  assert.deepEqual(await visibleEnglish(page, { attributes: true }), []);

  // Linked again, the deal and the timeline's entries on the link read in Russian.
  await panel.getByRole('button', { name: 'Привязать к сделке' }).click();
  await panel.getByRole('button', { name: 'Отвязать разговор от сделки «40 pallets for Maria»' }).waitFor();
  await panel.locator('.timeline-conversation_event', { hasText: 'Разговор привязан к сделке' }).first().waitFor();
  assert.deepEqual(await visibleEnglish(page, { attributes: true }), []);

  // The edit form, with a refused phone.
  await panel.getByRole('button', { name: 'Изменить' }).click();
  await panel.getByRole('button', { name: 'Добавить телефон' }).click();
  await panel.getByLabel('Телефон 2', { exact: true }).fill('0');
  await panel.getByRole('button', { name: 'Сохранить' }).click();
  await panel.getByText('Это не номер телефона: укажите код страны и от 8 до 15 цифр.').waitFor();
  assert.deepEqual(await visibleEnglish(page, { attributes: true }), []);
  await screenshot(page, 'contact-panel-ru');
  await panel.getByRole('button', { name: 'Отмена' }).click();

  for (const [button, dialog] of [
    ['Новая задача', 'Новая задача'],
    ['Новая сделка', 'Новая сделка'],
  ]) {
    await panel.getByRole('button', { name: button }).click();
    const open = page.getByRole('dialog', { name: dialog });
    await open.waitFor();
    assert.deepEqual(await visibleEnglish(page, { attributes: true }), [], dialog);
    await open.getByRole('button', { name: 'Отмена' }).click();
  }
  assert.deepEqual(unexpectedErrors(page, 1), []);
  await context.close();
});
