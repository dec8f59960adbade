// Russian and English: the UI follows the browser's language, every string on the screens of
// this slice is translated, and the language can be switched.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { visibleEnglish } from './support/i18n.js';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { twoColleagues, roomLink, send } from './support/chat.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
let setup;
let browser;

before(async () => {
  if (skip) return;
  setup = await twoColleagues();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await setup?.server.stop();
});

/** Records the app's warnings about keys it could not translate. */
function watchMissing(page) {
  const missing = [];
  page.on('console', (message) => {
    if (message.text().startsWith('missing translation')) missing.push(message.text());
  });
  return missing;
}

/** Visible text that looks like an untranslated key ("sidebar.channels"). */
async function rawKeys(page) {
  const text = await page.locator('body').innerText();
  return text.match(/\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b/g) || [];
}

test('a Russian browser gets the Russian UI, errors included', { skip }, async () => {
  // Arrange
  const { context, page } = await openPage(browser, { locale: 'ru-RU' });
  const missing = watchMissing(page);
  // Act
  await signIn(page, setup.server.url, 'boris', 'not-the-password');
  // Assert
  assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  await page.getByRole('alert').getByText('Неверный логин или пароль.').waitFor();
  // Act
  await page.locator('#password').fill(setup.boris.password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('navigation', { name: 'Беседы' }).waitFor();
  await roomLink(page, 'general').click();
  await send(page, 'Всем привет!');
  await page.locator('.message.own').getByRole('img', { name: 'Отправлено' }).waitFor();
  // Assert: the chat in Russian, with no key left untranslated.
  await page.getByRole('heading', { name: 'Каналы' }).waitFor();
  await page.getByRole('heading', { name: 'Личные сообщения' }).waitFor();
  await page.getByRole('textbox', { name: 'Сообщение' }).waitFor();
  await page.getByText('Сегодня').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 600, y: 200 } });
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Сочетания клавиш' }).waitFor();
  await screenshot(page, 'chat-ru-help');
  await page.keyboard.press('Escape');
  assert.deepEqual(await rawKeys(page), []);
  // ... and no English string of the app, in texts or in labels.
  assert.deepEqual(await visibleEnglish(page, { attributes: true }), []);
  assert.deepEqual(missing, []);
  await screenshot(page, 'chat-ru');
  assert.deepEqual(page.consoleErrors.filter((e) => !e.includes('401')), []);
  await context.close();
});

test('the language can be switched and the choice is remembered', { skip }, async () => {
  // Arrange
  const { context, page } = await openPage(browser, { locale: 'en-US' });
  const missing = watchMissing(page);
  await signIn(page, setup.server.url, 'anna', setup.anna.password);
  await page.getByRole('heading', { name: 'Channels' }).waitFor();
  // Act
  await page.getByRole('combobox', { name: 'Language' }).selectOption('ru');
  // Assert
  await page.getByRole('heading', { name: 'Каналы' }).waitFor();
  await page.getByRole('heading', { name: 'Выберите беседу' }).waitFor();
  assert.deepEqual(await rawKeys(page), []);
  // Act: a reload keeps Russian even though the browser says English.
  await page.reload();
  // Assert
  await page.getByRole('heading', { name: 'Каналы' }).waitFor();
  // Act: and back.
  await page.getByRole('combobox', { name: 'Язык' }).selectOption('en');
  // Assert
  await page.getByRole('heading', { name: 'Channels' }).waitFor();
  assert.deepEqual(missing, []);
  assert.deepEqual(page.consoleErrors, []);
  await context.close();
});
