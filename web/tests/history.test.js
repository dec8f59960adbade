// Long history: older pages load while scrolling up, without gaps or repeats; pins and
// deletion; the layout on a laptop-sized screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { twoColleagues, roomLink, messages } from './support/chat.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
const COUNT = 130;
let setup;
let browser;

before(async () => {
  if (skip) return;
  setup = await twoColleagues();
  const boris = await setup.server.token('boris', setup.boris.password);
  for (let i = 1; i <= COUNT; i += 1) {
    await setup.server.request('POST', `/api/v1/rooms/${setup.general.id}/messages`, {
      token: boris,
      body: { body: `History message ${i}`, client_id: `history-${i}` },
    });
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await setup?.server.stop();
});

test('scrolling up loads the whole history once, in order', { skip }, async () => {
  // Arrange
  const { context, page } = await openPage(browser, { viewport: { width: 1280, height: 720 } });
  await signIn(page, setup.server.url, 'anna', setup.anna.password);
  // Act
  await roomLink(page, 'general').click();
  await messages(page, `History message ${COUNT}`).waitFor();
  const list = page.locator('.room .message-list');
  for (let i = 0; i < 20 && !(await messages(page, 'History message 1').count()); i += 1) {
    await list.evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.waitForTimeout(150);
  }
  // Assert
  await messages(page, 'History message 1').waitFor();
  await page.getByText('This is the very beginning of the conversation.').waitFor();
  const bodies = await page.locator('.room .message-body').allTextContents();
  assert.deepEqual(bodies, Array.from({ length: COUNT }, (_, i) => `History message ${i + 1}`));
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});

test('pins and deletion, on a laptop screen', { skip }, async () => {
  // Arrange
  const { context, page } = await openPage(browser, { viewport: { width: 1280, height: 720 } });
  await signIn(page, setup.server.url, 'anna', setup.anna.password);
  await roomLink(page, 'general').click();
  const last = page.locator('.message').filter({ hasText: `History message ${COUNT}` });
  await last.waitFor();
  // Act: pin Boris's last message.
  await last.hover();
  await last.getByRole('button', { name: 'Pin' }).click();
  // Assert
  await last.getByText('Pinned').waitFor();
  await page.getByRole('button', { name: 'Pinned messages' }).click();
  await page.locator('.pins-panel .panel-item', { hasText: `History message ${COUNT}` }).waitFor();
  await screenshot(page, 'chat-laptop-pins');
  await page.keyboard.press('Escape');
  await page.locator('.pins-panel').waitFor({ state: 'detached' });
  // Act: Anna writes and deletes her own message.
  const field = page.locator('.room .composer-field');
  await field.fill('A message to delete');
  await field.press('Enter');
  const mine = page.locator('.message.own').filter({ hasText: 'A message to delete' });
  await mine.getByRole('img', { name: 'Sent' }).waitFor();
  await mine.hover();
  await mine.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: 'Delete the message?' }).getByRole('button', { name: 'Delete' }).click();
  // Assert
  await page.getByText('This message was deleted.').waitFor();
  assert.equal(await page.getByText('A message to delete').count(), 0);
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});
