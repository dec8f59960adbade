// The duplicate finder and the lead card against the real server: groups of contacts sharing
// a phone or a name (Latin and Cyrillic), merged keeping a chosen value, the survivor showing
// the other's messenger and timeline; a lead created, taken into work, refused as junk
// without a reason, converted, and the deal's timeline telling of the conversion; then both
// pages in Russian with no English left.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { startServer } from './support/server.js';
import { visibleEnglish } from './support/i18n.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
let server;
let browser;
let olga;
let token;

before(async () => {
  if (skip) return;
  server = await startServer();
  olga = await server.createUser({ login: 'olga', name: 'Olga Orlova', role: 'admin' });
  token = await server.token('olga', olga.password);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const contact = (body) => server.request('POST', '/api/v1/contacts', { token, body });

async function openCrm(page) {
  await signIn(page, server.url, 'olga', olga.password);
  await page.locator('.crm-link').click();
  await page.locator('.crm-tabs').waitFor();
}

test('the finder lists groups by phone and by name, and a merge keeps the chosen value and the other’s messenger and timeline', { skip }, async () => {
  const ivan = await contact({ first_name: 'Иван', last_name: 'Петров', position: 'Менеджер', phones: [{ number: '+7 916 111-22-33' }] });
  const latin = await contact({ first_name: 'Ivan', last_name: 'Petrov', position: 'CTO', emails: [{ address: 'ivan@example.com' }], identities: [{ channel: 'telegram', external_id: '555000' }] });
  const anna = await contact({ first_name: 'Anna', last_name: 'Smirnova', phones: [{ number: '89161112233' }] });
  await server.request('POST', `/api/v1/contacts/${latin.id}/comments`, { token, body: { text: 'Asked for a callback on Monday.' } });

  const { page, context } = await openPage(browser);
  await openCrm(page);
  await page.locator('.crm-tab', { hasText: 'Duplicates' }).click();
  assert.equal(new URL(page.url()).pathname, '/crm/duplicates');

  // Assert: a group for the shared phone and one for the name spelled twice.
  const byPhone = page.locator('.duplicate-group[data-reason="phone"]');
  const byName = page.locator('.duplicate-group[data-reason="name"]');
  await byPhone.waitFor();
  assert.equal(await page.locator('.duplicate-group').count(), 2);
  assert.match(await byPhone.textContent(), /same phone\s*\+79161112233\s*2 contacts/);
  assert.deepEqual(await byPhone.locator('.record-link').allTextContents(), ['Anna Smirnova', 'Иван Петров']);
  assert.deepEqual(await byName.locator('.record-link').allTextContents(), ['Ivan Petrov', 'Иван Петров']);
  await screenshot(page, 'crm-duplicates');

  // Act: merge the name group into the Cyrillic contact, keeping the Latin one's position.
  await byName.getByRole('button', { name: 'Merge…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Merge contacts' });
  await dialog.getByRole('group', { name: 'Contact that stays' }).getByRole('radio', { name: /Иван Петров/ }).check();
  const position = dialog.getByRole('group', { name: 'Position' });
  assert.equal(await position.getByRole('radio', { name: 'Менеджер' }).isChecked(), true);
  await position.getByRole('radio', { name: 'CTO' }).check();
  assert.equal(await dialog.getByRole('group', { name: 'First name' }).getByRole('radio', { name: 'Иван' }).isChecked(), true);
  await screenshot(page, 'crm-merge-dialog');
  await dialog.getByRole('button', { name: 'Merge', exact: true }).click();

  // Assert: the name group is gone, the phone group stays, and the server agrees.
  await page.locator('.toast', { hasText: 'Contacts merged.' }).waitFor();
  await byName.waitFor({ state: 'detached' });
  await byPhone.waitFor();
  const { items } = await server.request('GET', '/api/v1/contacts/duplicate-groups', { token });
  assert.deepEqual(items.map((g) => [g.reason, g.records.map((r) => r.id)]), [['phone', [anna.id, ivan.id]]]);

  // Act: open the surviving contact from the group.
  await byPhone.getByRole('link', { name: 'Иван Петров' }).click();

  // Assert: the kept position, the other's e-mail and messenger, its comment and the merge.
  await page.getByRole('heading', { name: 'Иван Петров', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/crm/contacts/${ivan.id}`);
  assert.equal(await page.locator('.crm-card-header .muted').textContent(), 'CTO');
  await page.locator('.crm-fields', { hasText: 'ivan@example.com' }).waitFor();
  await page.locator('.identity', { hasText: '555000' }).waitFor();
  await page.locator('.crm-timeline .timeline-comment', { hasText: 'Asked for a callback on Monday.' }).waitFor();
  await page.locator('.crm-timeline .timeline-merge').waitFor();
  await screenshot(page, 'crm-merged-contact');
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});

test('a lead is created, taken into work, refused as junk without a reason, and converted into a deal whose timeline tells of it', { skip }, async () => {
  const pipeline = await server.request('POST', '/api/v1/pipelines', {
    token,
    body: {
      name: 'Inbound',
      stages: [
        { name: 'Qualified', probability: 20 },
        { name: 'Proposal', probability: 60 },
        { name: 'Won', probability: 100, meaning: 'won' },
        { name: 'Lost', probability: 0, meaning: 'lost' },
      ],
    },
  });
  const { page, context } = await openPage(browser);
  await openCrm(page);
  await page.locator('.crm-tab', { hasText: 'Leads' }).click();

  // Act: a new lead from the list.
  await page.getByRole('button', { name: 'New lead' }).click();
  const create = page.getByRole('dialog', { name: 'New lead' });
  await create.getByLabel('Title').fill('Website request');
  await create.getByLabel('Name').fill('Oleg Sidorov');
  await create.getByLabel('Phone').fill('+7 903 555-00-11');
  await create.getByRole('button', { name: 'Create the lead' }).click();

  // Assert: its card opens with its fields.
  await page.getByRole('heading', { name: 'Website request', level: 1 }).waitFor();
  const leadId = new URL(page.url()).pathname.split('/').pop();
  assert.match(new URL(page.url()).pathname, /^\/crm\/leads\/[0-9a-f-]+$/);
  assert.equal(await page.getByLabel('Phone').inputValue(), '+79035550011');
  await page.locator('.crm-card-subtitle', { hasText: 'New' }).waitFor();

  // Act: junk without a reason is refused by the server, and the refusal is shown.
  await page.getByRole('button', { name: 'Mark as junk' }).click();
  const junk = page.getByRole('dialog', { name: 'Mark the lead as junk' });
  await junk.getByRole('button', { name: 'Mark as junk' }).click();
  await junk.locator('.form-error', { hasText: 'Say why the lead is junk.' }).waitFor();
  assert.equal(await junk.getByLabel('Reason').getAttribute('aria-invalid'), 'true');
  await junk.getByRole('button', { name: 'Cancel' }).click();

  // Act: take it into work and comment on it.
  await page.getByRole('button', { name: 'Take into work' }).click();
  await page.locator('.crm-card-subtitle', { hasText: 'In work' }).waitFor();
  assert.equal((await server.request('GET', `/api/v1/leads/${leadId}`, { token })).status, 'in_work');
  await page.getByLabel('Comment', { exact: true }).fill('Wants a quote by Friday.');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.locator('.crm-timeline .timeline-comment', { hasText: 'Wants a quote by Friday.' }).waitFor();
  await screenshot(page, 'crm-lead-card');

  // Act: convert it into a deal in "Inbound", making a contact from it.
  await page.getByRole('button', { name: 'Convert' }).click();
  const convert = page.getByRole('dialog', { name: 'Convert the lead into a deal' });
  await convert.locator('#convert-pipeline option', { hasText: 'Inbound' }).waitFor({ state: 'attached' });
  await convert.getByLabel('Pipeline').selectOption({ label: 'Inbound' });
  await convert.getByLabel('Stage').selectOption({ label: 'Proposal' });
  await convert.getByLabel('Amount').fill('5000');
  await convert.getByLabel('Currency').fill('RUB');
  await convert.getByRole('button', { name: 'Convert' }).click();

  // Assert: the deal's card, with the conversion on its timeline; the lead points at it.
  await page.waitForURL(/\/crm\/deals\//);
  await page.getByRole('heading', { name: 'Website request', level: 1 }).waitFor();
  const lead = await server.request('GET', `/api/v1/leads/${leadId}`, { token });
  assert.equal(lead.status, 'converted');
  assert.equal(new URL(page.url()).pathname, `/crm/deals/${lead.deal_id}`);
  const deal = await server.request('GET', `/api/v1/deals/${lead.deal_id}`, { token });
  assert.deepEqual([deal.pipeline_id, deal.stage_id, deal.amount, deal.contact_id], [pipeline.id, pipeline.stages[1].id, '5000.00', lead.contact_id]);
  await page.locator('.crm-timeline .timeline-conversion').waitFor();
  await page.locator('.crm-section').getByRole('link', { name: 'Oleg Sidorov' }).waitFor();
  await screenshot(page, 'crm-converted-deal');

  // The refused junk is the only console error: its 422.
  assert.equal(page.consoleErrors.length, 1, page.consoleErrors.join('\n'));
  assert.match(page.consoleErrors[0], /422/);
  await context.close();

  // In Russian: the lead card and the finder with no English left.
  const ru = await openPage(browser, { locale: 'ru-RU' });
  await signIn(ru.page, server.url, 'olga', olga.password);
  await ru.page.locator('.crm-link').click();
  await ru.page.locator('.crm-tab', { hasText: 'Лиды' }).click();
  await ru.page.getByRole('link', { name: 'Website request' }).click();
  await ru.page.getByRole('heading', { name: 'Website request', level: 1 }).waitFor();
  await ru.page.locator('.crm-timeline .timeline-entry').first().waitFor();
  assert.deepEqual(await visibleEnglish(ru.page, { attributes: true }), []);
  await ru.page.locator('.crm-tab', { hasText: 'Дубликаты' }).click();
  await ru.page.locator('.duplicate-group, .empty-state').first().waitFor();
  assert.deepEqual(await visibleEnglish(ru.page, { attributes: true }), []);
  await screenshot(ru.page, 'crm-duplicates-ru');
  assert.deepEqual(ru.page.consoleErrors, []);
  await ru.context.close();
});
