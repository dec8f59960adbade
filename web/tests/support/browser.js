// Debian's chromium driven by playwright-core, headless. Every page records console errors
// and failed requests so a test can assert the console stayed clean.

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// web/tests/output is git-ignored: the pictures are for people reviewing a run, not for the repo.
export const SCREENSHOTS = process.env.SCREENSHOT_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../output');

export function chromiumAvailable() {
  return existsSync(CHROMIUM);
}

/** `args` adds command-line switches (fake camera and microphone for the call tests). */
export async function launch({ args = [] } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}

/** A fresh browser context (its own storage: one user) and a page in it. */
export async function openPage(browser, { locale = 'en-US', viewport = { width: 1366, height: 800 } } = {}) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs failed loads without the address; name it so a failure says which.
    const where = message.location()?.url;
    const text = message.text();
    page.consoleErrors.push(text.startsWith('Failed to load resource') && where ? `${text}: ${where}` : text);
  });
  page.on('pageerror', (error) => page.consoleErrors.push(String(error)));
  return { context, page };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Signs in through the login form. */
export async function signIn(page, url, login, password) {
  await page.goto(url);
  await page.locator('#login').fill(login);
  await page.locator('#password').fill(password);
  await page.locator('form.auth-card button[type="submit"]').click();
}
