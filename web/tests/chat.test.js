// Two colleagues in two browser contexts: live delivery without reload, unread badges,
// typing, the delivery and read ticks, DMs, and a screenshot of the chat.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, signIn, chromiumAvailable, screenshot } from './support/browser.js';
import { twoColleagues, roomLink, send, messages } from './support/chat.js';

const skip = !chromiumAvailable() && process.env.CI !== 'true' && 'chromium is not installed';
let setup;
let browser;
let anna;
let boris;

before(async () => {
  if (skip) return;
  setup = await twoColleagues();
  browser = await launch();
  anna = await openPage(browser);
  boris = await openPage(browser);
  await signIn(anna.page, setup.server.url, 'anna', setup.anna.password);
  await signIn(boris.page, setup.server.url, 'boris', setup.boris.password);
  await roomLink(anna.page, 'general').waitFor();
  await roomLink(boris.page, 'general').waitFor();
});

after(async () => {
  await browser?.close();
  await setup?.server.stop();
});

test('a message appears live for the other user, with an unread badge that clears', { skip }, async () => {
  // Arrange: Anna opens the channel; Boris stays on the start page.
  await roomLink(anna.page, 'general').click();
  await anna.page.getByRole('heading', { name: 'general', level: 1 }).waitFor();
  // Act
  await send(anna.page, 'Good morning, team!');
  // Assert: Anna's message is acknowledged (sent tick) ...
  await anna.page.locator('.message.own').filter({ hasText: 'Good morning, team!' }).getByRole('img', { name: 'Sent' }).waitFor();
  // ... and Boris sees an unread badge without reloading.
  const badge = roomLink(boris.page, 'general').locator('.badge');
  await badge.waitFor();
  assert.equal(await badge.textContent(), '1');
  // Act
  await roomLink(boris.page, 'general').click();
  // Assert: the message is there and the badge is gone.
  await messages(boris.page, 'Good morning, team!').waitFor();
  await badge.waitFor({ state: 'detached' });
  // Boris has read it: Anna's tick becomes "Read".
  await anna.page.locator('.message.own').filter({ hasText: 'Good morning, team!' }).getByRole('img', { name: 'Read' }).waitFor();
});

test('typing shows on the other side and the reply arrives live', { skip }, async () => {
  // Act: Boris types without sending.
  const field = boris.page.locator('.room .composer-field');
  await field.pressSequentially('Morning', { delay: 20 });
  // Assert
  await anna.page.locator('.typing-line', { hasText: 'Boris Petrov is typing…' }).waitFor();
  // Act: Shift+Enter makes a new line, Enter sends.
  await field.press('Shift+Enter');
  await field.pressSequentially('Anna!');
  await field.press('Enter');
  // Assert
  const reply = anna.page.locator('.room .message-body', { hasText: /^Morning/ });
  await reply.waitFor();
  assert.equal(await reply.textContent(), 'Morning\nAnna!');
  await anna.page.locator('.typing-line', { hasText: 'typing' }).waitFor({ state: 'detached' }).catch(() => {});
  assert.equal(await anna.page.locator('.typing-line').textContent(), '');
});

test('a DM opened from the people picker reaches the colleague', { skip }, async () => {
  // Act: Anna (an admin, so she sees the directory) starts a DM with Boris.
  await anna.page.getByRole('button', { name: 'New message' }).first().click();
  await anna.page.getByRole('dialog').getByRole('button', { name: /Boris Petrov/ }).click();
  await anna.page.getByRole('heading', { name: 'Boris Petrov', level: 1 }).waitFor();
  await send(anna.page, 'Can you look at the Q3 numbers?');
  // Assert: the DM appears in Boris's sidebar with a badge, live.
  const dm = boris.page.locator('.room-section[aria-labelledby="section-dm"] .room-link');
  await dm.locator('.badge').waitFor();
  await dm.click();
  await messages(boris.page, 'Can you look at the Q3 numbers\\?').waitFor();
});

test('reactions, edits and threads reach the other side', { skip }, async () => {
  // Arrange: both in the channel.
  await roomLink(anna.page, 'general').click();
  await roomLink(boris.page, 'general').click();
  const annaMessage = anna.page.locator('.message').filter({ hasText: 'Good morning, team!' });
  // Act: a reaction from Anna's toolbar.
  await annaMessage.hover();
  await annaMessage.getByRole('button', { name: 'Add a reaction' }).click();
  await anna.page.getByRole('menuitem', { name: '🎉' }).click();
  // Assert
  await boris.page.locator('.message').filter({ hasText: 'Good morning, team!' }).locator('.reaction', { hasText: '🎉' }).waitFor();
  // Act: Anna edits her message.
  await annaMessage.hover();
  await annaMessage.getByRole('button', { name: 'Edit' }).click();
  const editor = anna.page.locator('.edit-field');
  await editor.fill('Good morning, everyone!');
  await editor.press('Enter');
  // Assert
  await boris.page.locator('.message').filter({ hasText: 'Good morning, everyone!' }).getByText('(edited)').waitFor();
  // Act: Boris replies in a thread.
  const borisView = boris.page.locator('.room .message').filter({ hasText: 'Good morning, everyone!' });
  await borisView.hover();
  await borisView.getByRole('button', { name: 'Reply in a thread' }).click();
  const threadField = boris.page.locator('.thread-panel .composer-field');
  await threadField.fill('Thread reply from Boris');
  await threadField.press('Enter');
  // Assert: Anna sees the reply count; Esc closes Boris's panel.
  await anna.page.getByRole('button', { name: '1 reply' }).waitFor();
  await boris.page.keyboard.press('Escape');
  await boris.page.locator('.thread-panel').waitFor({ state: 'detached' });
});

test('an image is uploaded, sent and previewed; search and the quick switcher find things', { skip }, async () => {
  // Arrange: a 2×2 PNG.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
    'base64',
  );
  await roomLink(anna.page, 'general').click();
  await roomLink(boris.page, 'general').click();
  // Act
  await anna.page.locator('.room .composer input[type="file"]').setInputFiles({ name: 'chart.png', mimeType: 'image/png', buffer: png });
  await anna.page.locator('.room .upload-chip.is-done').waitFor();
  await send(anna.page, 'Here is the chart');
  // Assert: Boris sees the preview, loaded through the token-authenticated download.
  const preview = boris.page.locator('.message').filter({ hasText: 'Here is the chart' }).getByRole('img', { name: 'chart.png' });
  await preview.waitFor();
  await boris.page.waitForFunction(
    () => [...document.querySelectorAll('img.attachment-image')].some((img) => img.complete && img.naturalWidth === 2),
  );
  // Act: Anna searches for Boris's earlier reply.
  const search = anna.page.getByRole('searchbox', { name: 'Search messages' });
  await search.fill('anna');
  await search.press('Enter');
  // Assert
  await anna.page.locator('.search-panel').getByText('1 message found for “anna”').waitFor();
  await anna.page.locator('.search-panel .panel-item mark', { hasText: /^Anna$/ }).waitFor();
  await anna.page.keyboard.press('Escape');
  await anna.page.locator('.search-panel').waitFor({ state: 'detached' });
  // Act: Ctrl+K, part of a name, Enter.
  await anna.page.keyboard.press('Control+k');
  const switcher = anna.page.getByRole('dialog', { name: 'Jump to a conversation' });
  await switcher.getByRole('combobox').fill('bor');
  await switcher.getByRole('combobox').press('Enter');
  // Assert
  await switcher.waitFor({ state: 'detached' });
  await anna.page.getByRole('heading', { name: 'Boris Petrov', level: 1 }).waitFor();
});

test('a colleague is mentioned from the suggestions and an emoji comes from the palette', { skip }, async () => {
  // Arrange: both in the channel.
  await roomLink(anna.page, 'general').click();
  await roomLink(boris.page, 'general').click();
  const field = anna.page.locator('.room .composer-field');
  // Act: "@bo" offers Boris; Enter puts his login in the text.
  await field.pressSequentially('Thanks @bo');
  const suggestions = anna.page.getByRole('listbox', { name: 'Colleagues to mention' });
  await suggestions.getByRole('option', { name: /Boris Petrov/ }).waitFor();
  await field.press('Enter');
  assert.equal(await field.inputValue(), 'Thanks @boris ');
  // Act: an emoji at the caret, then send.
  await anna.page.locator('.room').getByRole('button', { name: 'Insert an emoji' }).click();
  await anna.page.getByRole('group', { name: 'Insert an emoji' }).getByRole('button', { name: '🎉' }).click();
  assert.equal(await field.inputValue(), 'Thanks @boris 🎉');
  await field.press('Enter');
  // Assert: Boris gets it with the mention marked.
  const received = boris.page.locator('.room .message', { hasText: 'Thanks @boris 🎉' });
  await received.locator('.mention', { hasText: '@boris' }).waitFor();
});

test('the chat looks right and the console stayed clean', { skip }, async () => {
  // Arrange: a little more conversation for the picture.
  await roomLink(anna.page, 'general').click();
  await send(boris.page, 'The release notes are ready for review @anna');
  await send(anna.page, 'Thanks! I will read them after lunch.');
  await anna.page.locator('.message-body', { hasText: 'after lunch' }).waitFor();
  await anna.page.locator('.message.own').filter({ hasText: 'after lunch' }).getByRole('img', { name: /Sent|Read/ }).waitFor();
  // Act
  const file = await screenshot(anna.page, 'chat');
  await screenshot(boris.page, 'chat-operator');
  // Assert
  assert.ok(file.endsWith('chat.png'));
  assert.deepEqual(anna.page.consoleErrors, []);
  assert.deepEqual(boris.page.consoleErrors, []);
});
