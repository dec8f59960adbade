// The Russian checks: every visible text of the page against every English string of the
// app, so a string left untranslated (or written into the code) shows up by name.

import en from '../../i18n/en.js';
import ru from '../../i18n/ru.js';

/** Every English text of the app, as patterns (placeholders match anything). */
export function englishPatterns() {
  const texts = [];
  for (const [key, value] of Object.entries(en)) {
    const variants = typeof value === 'object' ? Object.values(value) : [value];
    const russian = typeof ru[key] === 'object' ? Object.values(ru[key]) : [ru[key]];
    for (const text of variants) {
      // Shared by both languages (the brand, "{name}: {text}"): not a missed translation.
      if (russian.includes(text) || !/[A-Za-z]{2}/.test(text.replace(/\{\w+\}/g, ''))) continue;
      const pattern = text.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '.+');
      texts.push(new RegExp(`^${pattern}$`));
    }
  }
  return texts;
}

/** The visible texts of the page that are English strings of the app; with `attributes`,
 * also the placeholders, labels and tooltips of visible elements (what a screen reader says). */
export async function visibleEnglish(page, { attributes = false } = {}) {
  const visible = await page.evaluate((withAttributes) => {
    const texts = [];
    if (withAttributes) {
      for (const el of document.body.querySelectorAll('[placeholder], [aria-label], [title]')) {
        if (!el.checkVisibility()) continue;
        for (const name of ['placeholder', 'aria-label', 'title']) {
          const value = el.getAttribute(name)?.trim();
          if (value) texts.push(value);
        }
      }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const text = node.textContent.trim();
      if (text && node.parentElement.checkVisibility()) texts.push(text);
    }
    return texts;
  }, attributes);
  const patterns = englishPatterns();
  return visible.filter((text) => patterns.some((pattern) => pattern.test(text)));
}
