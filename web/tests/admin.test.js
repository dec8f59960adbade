// The admin screens against the real server and the Telegram emulator: an admin creates a
// department and users, a line with its policies, connects a Telegram bot (the webhook URL
// shown is the API's, and a client reaches the line through it) and the website widget,
// keeps canned responses and reshapes a pipeline; every result is checked through the API
// too. Then the same pages in Russian with no English left.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { startServer } from './support/server.js';
import { startTelegram } from './support/telegram.js';
import { visibleEnglish } from './support/i18n.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const BOT = '222:admin-screens';
let server;
let telegram;
let browser;
let admin;

before(async () => {
  if (skip) return;
  telegram = await startTelegram();
  // The connect call checks the token with getMe: the server talks to the emulator.
  server = await startServer({ env: { SWITCHBOARD__CHANNELS__TELEGRAM_API_URL: telegram.url } });
  admin = await server.adminToken();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  telegram?.stop();
  await server?.stop();
});

const api = (path, options = {}) => server.request(options.method || 'GET', path, { token: admin, ...options });

/** Failed requests the test provokes on purpose (Chromium logs every 4xx response). */
function unexpected(errors, allowed) {
  return errors.filter((text) => !allowed.some((pattern) => pattern.test(text)));
}

async function openAdmin(page, locale) {
  await signIn(page, server.url, server.login, server.adminPassword);
  const name = locale === 'ru' ? 'Администрирование' : 'Administration';
  await page.getByRole('navigation', { name: /Conversations|Беседы/ }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 2, name: locale === 'ru' ? 'Пользователи' : 'Users' }).waitFor();
}

test('an admin sets up departments, users, a line with channels, canned responses and a pipeline', { skip }, async () => {
  const { page, context } = await openPage(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openAdmin(page, 'en');
  assert.equal(new URL(page.url()).pathname, '/admin/users');
  const menu = page.getByRole('navigation', { name: 'Admin pages' });

  // Departments: Sales, and East inside it, then renamed.
  await menu.getByRole('link', { name: 'Departments', exact: true }).click();
  await page.getByText('No departments yet.').waitFor();
  await page.getByRole('button', { name: 'New department' }).click();
  let dialog = page.getByRole('dialog', { name: 'New department' });
  await dialog.getByLabel('Name').fill('Sales');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.locator('.department-name', { hasText: 'Sales' }).waitFor();
  await page.getByRole('button', { name: 'New department' }).click();
  dialog = page.getByRole('dialog', { name: 'New department' });
  await dialog.getByLabel('Name').fill('East');
  await dialog.getByLabel('Inside').selectOption({ label: 'Sales' });
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('button', { name: 'Edit East' }).click();
  dialog = page.getByRole('dialog', { name: 'Edit East' });
  await dialog.getByLabel('Name').fill('East region');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.locator('.department-tree .department-tree .department-name', { hasText: 'East region' }).waitFor();
  const departments = await api('/api/v1/departments');
  const sales = departments.find((d) => d.name === 'Sales');
  assert.deepEqual(departments.map((d) => [d.name, d.parent_id]).sort(), [['East region', sales.id], ['Sales', null]]);

  // Users: Marina gets a generated password, shown once, that works.
  await menu.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('button', { name: 'New user' }).click();
  dialog = page.getByRole('dialog', { name: 'New user' });
  await dialog.getByLabel('Login').fill('marina');
  await dialog.getByLabel('Full name').fill('Marina Petrova');
  await dialog.getByLabel('Department').selectOption({ label: 'Sales' });
  await dialog.getByRole('button', { name: 'Create' }).click();
  dialog = page.getByRole('dialog', { name: 'Marina Petrova can now sign in' });
  const generated = await dialog.getByRole('textbox', { name: 'Password' }).inputValue();
  assert.ok(generated.length >= 12, generated);
  await dialog.getByRole('button', { name: 'Copy: Password' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), generated);
  await dialog.getByRole('button', { name: 'Done' }).click();
  assert.ok(await server.token('marina', generated));
  // Olga with a password of her own, then a bad login named as such.
  await page.getByRole('button', { name: 'New user' }).click();
  dialog = page.getByRole('dialog', { name: 'New user' });
  await dialog.getByLabel('Login').fill('olga');
  await dialog.getByLabel('Full name').fill('Olga Orlova');
  await dialog.getByLabel('Password').fill('olga-password-1');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.locator('tr[data-login="olga"]').waitFor();
  await page.getByRole('button', { name: 'New user' }).click();
  dialog = page.getByRole('dialog', { name: 'New user' });
  await dialog.getByLabel('Login').fill('olga');
  await dialog.getByLabel('Full name').fill('Another Olga');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.getByRole('alert').getByText('That already exists. (this login is already taken)').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  // Marina becomes a supervisor in East region, then is deactivated.
  const saved = page.locator('.toast', { hasText: 'Saved: Marina Petrova' });
  await page.getByLabel('Role of Marina Petrova').selectOption('supervisor');
  await saved.first().waitFor();
  await page.getByLabel('Department of Marina Petrova').selectOption({ label: 'East region' });
  await saved.nth(1).waitFor();
  await page.locator('tr[data-login="marina"]').getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('dialog', { name: 'Deactivate Marina Petrova?' }).getByRole('button', { name: 'Deactivate' }).click();
  await page.locator('tr[data-login="marina"]').getByText('Deactivated').waitFor();
  const users = await api('/api/v1/users');
  const marina = users.find((u) => u.login === 'marina');
  const olga = users.find((u) => u.login === 'olga');
  const east = departments.find((d) => d.name === 'East region');
  assert.deepEqual([marina.role, marina.department_id, marina.disabled], ['supervisor', east.id, true]);
  assert.deepEqual([olga.role, olga.disabled], ['operator', false]);

  // Lines: Support, offered to all, with Olga, working hours, a greeting and an SLA.
  await menu.getByRole('link', { name: 'Lines', exact: true }).click();
  await page.getByText('No lines yet.').waitFor();
  await page.getByRole('button', { name: 'New line' }).click();
  dialog = page.getByRole('dialog', { name: 'New line' });
  await dialog.getByLabel('Line name').fill('Support');
  await dialog.getByLabel('Distribution').selectOption('offer_all');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { level: 2, name: 'Support' }).waitFor();
  const lineId = new URL(page.url()).pathname.split('/').pop();
  assert.match(new URL(page.url()).pathname, /^\/admin\/lines\/[0-9a-f-]{36}$/);
  await page.getByRole('group', { name: 'Operators' }).getByLabel('Olga Orlova (Operator)').check();
  await page.getByLabel('Open around the clock').uncheck();
  await page.getByLabel('Time zone').fill('Europe/Berlin');
  await page.getByLabel('Monday').fill('09:00-13:00, 14:00-18:00');
  await page.getByLabel('Greeting').fill('Hello! An operator will answer shortly.');
  await page.getByLabel('Answer within (minutes)').fill('5');
  await page.getByLabel('Ask the client for a rating').selectOption('csat');
  // A bad time zone is named in the error, and nothing is saved.
  await page.getByLabel('Time zone').fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').getByText(/Check “Working hours and messages”: unknown time zone "Mars\/Olympus"/).waitFor();
  assert.equal((await api(`/api/v1/lines/${lineId}`)).working_hours, null);
  await page.getByLabel('Time zone').fill('Europe/Berlin');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved: Support').waitFor();
  const line = await api(`/api/v1/lines/${lineId}`);
  assert.deepEqual(
    [line.distribution, line.operators, line.sla_seconds, line.rating_mode, line.greeting, line.working_hours],
    ['offer_all', [olga.id], 300, 'csat', 'Hello! An operator will answer shortly.', { time_zone: 'Europe/Berlin', week: { mon: ['09:00-13:00', '14:00-18:00'] } }],
  );

  // Channels: a bot on webhooks, its URL as the API gives it, with a copy button.
  await page.getByText('No channel is connected yet.').waitFor();
  await page.getByRole('button', { name: 'Connect a Telegram bot' }).click();
  dialog = page.getByRole('dialog', { name: 'Connect a Telegram bot' });
  await dialog.getByLabel('Bot token').fill(BOT);
  await dialog.getByLabel('Name (optional)').fill('Support bot');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  const card = page.locator('.channel-card', { hasText: 'Support bot' });
  await card.waitFor();
  const channels = await api('/api/v1/channels');
  const bot = channels.find((c) => c.name === 'Support bot');
  const expectedUrl = new URL(bot.webhook_path, server.url).href;
  const shownUrl = await card.getByRole('textbox', { name: 'Webhook URL' }).inputValue();
  assert.equal(shownUrl, expectedUrl);
  assert.deepEqual([bot.line_id, bot.mode], [lineId, 'webhook']);
  assert.equal(await card.locator('.channel-mode').textContent(), 'Webhook');
  await card.getByRole('button', { name: 'Copy: Webhook URL' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expectedUrl);
  // The URL works: pasted into "the provider console", a client's message reaches the line.
  await telegram.setWebhook(BOT, shownUrl);
  await telegram.clientSays(BOT, 701, 'Ivan', 'Is anyone there?');
  const olgaToken = await server.token('olga', 'olga-password-1');
  let queued = [];
  for (let attempt = 0; attempt < 50 && !queued.length; attempt += 1) {
    queued = await server.request('GET', '/api/v1/conversations?status=queued', { token: olgaToken });
    if (!queued.length) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(queued.map((row) => [row.line_id, row.last_message?.body]), [[lineId, 'Is anyone there?']]);
  await page.getByRole('button', { name: 'Connect a Telegram bot' }).click();
  dialog = page.getByRole('dialog', { name: 'Connect a Telegram bot' });
  // The emulator names every bot alike, so a second bot is the same account: refused.
  await dialog.getByLabel('Bot token').fill('444:another');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await dialog.getByRole('alert').getByText('That already exists. (this provider account is already connected)').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.match(await card.locator('.channel-fact', { hasText: 'Health' }).textContent(), /Telegram delivers to the webhook/);
  // The website widget: the embed code to paste.
  await page.getByRole('button', { name: 'Add the website widget' }).click();
  dialog = page.getByRole('dialog', { name: 'Add the website widget' });
  await dialog.getByLabel('Name (optional)').fill('Shop chat');
  await dialog.getByLabel('Sites allowed to embed it').fill('https://shop.example.com');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  dialog = page.getByRole('dialog', { name: 'Connected: Shop chat' });
  const snippet = await dialog.getByRole('textbox', { name: 'Embed code' }).inputValue();
  const widget = (await api('/api/v1/channels')).find((c) => c.kind === 'widget');
  assert.equal(snippet, `<script src="${new URL(server.url).origin}/widget.js" data-line="${widget.account}" async></script>`);
  await dialog.getByRole('button', { name: 'Done' }).click();
  assert.equal(await page.locator('.channel-card[data-kind="widget"] textarea').inputValue(), snippet);
  await page.locator('.toast').last().waitFor({ state: 'detached', timeout: 10000 });
  await page.getByRole('heading', { level: 3, name: 'Channels' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-lines');
  await page.getByRole('link', { name: 'All lines' }).click();
  await page.locator('.line-card', { hasText: 'Support' }).getByText('1 operator').waitFor();

  // Canned responses of the line: add, a bad shortcut refused, edit, delete.
  await menu.getByRole('link', { name: 'Canned responses', exact: true }).click();
  await page.getByText('This line has no canned responses yet.').waitFor();
  for (const [shortcut, text] of [['hello', 'Hello! How can I help?'], ['bye', 'Have a nice day!']]) {
    await page.getByRole('button', { name: 'New response' }).click();
    dialog = page.getByRole('dialog', { name: 'New response' });
    await dialog.getByLabel('Shortcut').fill(shortcut);
    await dialog.getByLabel('Text').fill(text);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.locator(`tr[data-shortcut="${shortcut}"]`).waitFor();
  }
  await page.getByRole('button', { name: 'New response' }).click();
  dialog = page.getByRole('dialog', { name: 'New response' });
  await dialog.getByLabel('Shortcut').fill('two words');
  await dialog.getByLabel('Text').fill('x');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.getByRole('alert').getByText('Check “Shortcut”: must be 1 to 32 letters, digits, - or _').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Edit /hello' }).click();
  dialog = page.getByRole('dialog', { name: 'Edit /hello' });
  await dialog.getByLabel('Text').fill('Hello! How can I help you today?');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Hello! How can I help you today?').waitFor();
  await page.getByRole('button', { name: 'Delete /bye' }).click();
  await page.getByRole('dialog', { name: 'Delete /bye?' }).getByRole('button', { name: 'Delete' }).click();
  await page.locator('tr[data-shortcut="bye"]').waitFor({ state: 'detached' });
  const canned = await api(`/api/v1/canned?line_id=${lineId}`);
  assert.deepEqual(canned.map((c) => [c.shortcut, c.body]), [['hello', 'Hello! How can I help you today?']]);

  // Pipelines: a new one with the usual stages, reshaped.
  await menu.getByRole('link', { name: 'Pipelines', exact: true }).click();
  await page.getByRole('button', { name: 'New pipeline' }).click();
  dialog = page.getByRole('dialog', { name: 'New pipeline' });
  await dialog.getByLabel('Pipeline name').fill('Wholesale');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const pipelineCard = page.getByRole('region', { name: 'Wholesale' });
  await pipelineCard.waitFor();
  const addForm = pipelineCard.getByRole('form', { name: 'Add a stage to Wholesale' });
  await addForm.getByRole('textbox', { name: 'Stage' }).fill('Contract signed');
  await addForm.getByRole('spinbutton', { name: 'Probability' }).fill('90');
  await addForm.getByRole('button', { name: 'Add stage' }).click();
  await pipelineCard.getByLabel('Name of the stage Contract signed').waitFor();
  const stageNames = () => pipelineCard.locator('tr[data-stage-id] td:nth-child(2) input').evaluateAll((inputs) => inputs.map((i) => i.value));
  const waitForStages = async (expected) => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      if (JSON.stringify(await stageNames()) === JSON.stringify(expected)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await stageNames(), expected);
  };
  await waitForStages(['New', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost', 'Contract signed']);
  await pipelineCard.getByRole('button', { name: 'Move Contract signed up' }).click();
  await waitForStages(['New', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Contract signed', 'Lost']);
  await pipelineCard.getByRole('button', { name: 'Move Contract signed up' }).click();
  await waitForStages(['New', 'Qualified', 'Proposal', 'Negotiation', 'Contract signed', 'Won', 'Lost']);
  await pipelineCard.getByLabel('Probability of Proposal, percent').fill('55');
  await pipelineCard.getByLabel('Probability of Proposal, percent').press('Tab');
  await page.getByText('Saved: Proposal').waitFor();
  await pipelineCard.getByLabel('Name of the stage Negotiation').fill('Talks');
  await pipelineCard.getByLabel('Name of the stage Negotiation').press('Tab');
  await pipelineCard.getByLabel('Name of the stage Talks').waitFor();
  await pipelineCard.getByRole('button', { name: 'Rename Wholesale' }).click();
  dialog = page.getByRole('dialog', { name: 'Rename Wholesale' });
  await dialog.getByLabel('Pipeline name').fill('Wholesale B2B');
  await dialog.getByRole('button', { name: 'Save' }).click();
  const renamed = page.getByRole('region', { name: 'Wholesale B2B' });
  await renamed.waitFor();
  let pipeline = (await api('/api/v1/pipelines')).find((p) => p.name === 'Wholesale B2B');
  assert.deepEqual(
    pipeline.stages.map((s) => [s.name, s.probability, s.meaning]),
    [['New', 10, 'open'], ['Qualified', 30, 'open'], ['Proposal', 55, 'open'], ['Talks', 70, 'open'], ['Contract signed', 90, 'open'], ['Won', 100, 'won'], ['Lost', 0, 'lost']],
  );
  // A stage holding a deal: the admin is asked where the deal goes.
  const qualified = pipeline.stages.find((s) => s.name === 'Qualified');
  const deal = await api('/api/v1/deals', { method: 'POST', body: { title: 'Crate of tea', currency: 'EUR', pipeline_id: pipeline.id, stage_id: qualified.id } });
  await renamed.getByRole('button', { name: 'Remove Qualified' }).click();
  await page.getByRole('dialog', { name: 'Remove the stage Qualified?' }).getByRole('button', { name: 'Delete' }).click();
  dialog = page.getByRole('dialog', { name: 'Where do the deals of Qualified go?' });
  await dialog.getByLabel('Move them to').selectOption({ label: 'Proposal' });
  await dialog.getByRole('button', { name: 'Move and remove' }).click();
  await page.getByText('Stage Qualified removed; 1 deal moved.').waitFor();
  pipeline = (await api('/api/v1/pipelines')).find((p) => p.id === pipeline.id);
  assert.equal(pipeline.stages.some((s) => s.name === 'Qualified'), false);
  const moved = await api(`/api/v1/deals/${deal.id}`);
  assert.equal(moved.stage_id, pipeline.stages.find((s) => s.name === 'Proposal').id);

  // Everything failed on purpose above was a 4xx the page said in words; nothing else.
  assert.deepEqual(unexpected(page.consoleErrors, [/status of (409|422)/]), []);
  await context.close();
});

/** English of the app on the page, texts and labels; the first admin's name "Administrator"
 * is the same word as the English role, but it is data. */
async function englishOnPage(page) {
  return (await visibleEnglish(page, { attributes: true })).filter((text) => text !== 'Administrator');
}

test('in Russian, the admin pages show no English', { skip }, async () => {
  const { page, context } = await openPage(browser, { locale: 'ru-RU' });
  await openAdmin(page, 'ru');
  const menu = page.getByRole('navigation', { name: 'Разделы администрирования' });
  const english = [];
  const check = async (where) => {
    for (const text of await englishOnPage(page)) english.push(`${where}: ${text}`);
  };
  await page.locator('tr[data-login="olga"]').waitFor();
  await check('users');
  await page.getByRole('button', { name: 'Новый пользователь' }).click();
  await check('new user');
  await page.getByRole('dialog').getByRole('button', { name: 'Отмена' }).click();
  await menu.getByRole('link', { name: 'Отделы', exact: true }).click();
  await page.locator('.department-name', { hasText: 'Sales' }).waitFor();
  await check('departments');
  await menu.getByRole('link', { name: 'Линии', exact: true }).click();
  await page.locator('.line-card', { hasText: 'Support' }).click();
  await page.locator('.channel-card', { hasText: 'Support bot' }).waitFor();
  await check('line');
  await page.getByRole('button', { name: 'Подключить бота Telegram' }).click();
  await check('connect telegram');
  await page.getByRole('dialog').getByRole('button', { name: 'Отмена' }).click();
  await screenshot(page, 'admin-lines-ru');
  await menu.getByRole('link', { name: 'Шаблоны ответов', exact: true }).click();
  await page.locator('tr[data-shortcut="hello"]').waitFor();
  await check('canned');
  await menu.getByRole('link', { name: 'Воронки', exact: true }).click();
  await page.getByRole('region', { name: 'Wholesale B2B' }).waitFor();
  await check('pipelines');
  assert.deepEqual(english, []);
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});

test('an operator sees no way into the admin screens, a supervisor only canned responses', { skip }, async () => {
  const { page, context } = await openPage(browser);
  await signIn(page, server.url, 'olga', 'olga-password-1');
  const nav = page.getByRole('navigation', { name: 'Conversations' });
  await nav.getByRole('link', { name: 'Inbox' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Administration' }).count(), 0);
  // Typed in by hand, the address leads back to the chat.
  await page.goto(new URL('/admin/users', server.url).href);
  await page.waitForURL((url) => url.pathname === '/chat');
  await context.close();

  await server.createUser({ login: 'sveta', name: 'Sveta Sokolova', role: 'supervisor' });
  const second = await openPage(browser);
  await signIn(second.page, server.url, 'sveta', 'sveta-password-1');
  await second.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: 'Administration' }).click();
  await second.page.getByRole('heading', { level: 2, name: 'Canned responses' }).waitFor();
  const links = await second.page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link').allTextContents();
  assert.deepEqual(links, ['Canned responses']);
  await second.page.locator('tr[data-shortcut="hello"]').waitFor();
  assert.deepEqual(second.page.consoleErrors, []);
  await second.context.close();
});
