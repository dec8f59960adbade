// Translations: English and Russian. The language follows the browser unless the user picked
// one (kept in localStorage). `t(key, params)` looks a key up in the current language, falls
// back to English, and fills `{name}` placeholders; plural keys are objects keyed by
// Intl.PluralRules categories (`one`, `few`, `many`, `other`) and chosen by `params.count`.

import en from '../i18n/en.js';
import ru from '../i18n/ru.js';
import { store } from './store.js';

export const LANGUAGES = { en, ru };
export const LANGUAGE_NAMES = { en: 'English', ru: 'Русский' };
const STORAGE_KEY = 'sb.lang';

const pluralRules = new Map();

function pick(lang) {
  return Object.hasOwn(LANGUAGES, lang) ? lang : null;
}

/** The language to start with: the saved choice, else the browser's, else English. */
export function detectLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled; then the browser decides.
  }
  if (pick(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const lang = pick(String(tag).toLowerCase().split('-')[0]);
    if (lang) return lang;
  }
  return 'en';
}

export function setLanguage(lang, remember = true) {
  const chosen = pick(lang) || 'en';
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, chosen);
    } catch {
      // Not remembered; the choice still applies to this page.
    }
  }
  document.documentElement.lang = chosen;
  document.title = translate(chosen, 'app.title');
  store.update((s) => {
    s.lang = chosen;
  }, 'lang');
}

function translate(lang, key, params = {}) {
  let entry = LANGUAGES[lang]?.[key] ?? en[key];
  if (entry === undefined) {
    console.warn(`missing translation: ${key}`);
    return key;
  }
  if (typeof entry === 'object') {
    if (!pluralRules.has(lang)) pluralRules.set(lang, new Intl.PluralRules(lang));
    const category = pluralRules.get(lang).select(Number(params.count) || 0);
    entry = entry[category] ?? entry.other;
  }
  return entry.replace(/\{(\w+)\}/g, (match, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}

export function t(key, params) {
  return translate(store.state.lang, key, params);
}

export function lang() {
  return store.state.lang;
}
