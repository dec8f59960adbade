// The language picker: a labelled <select> that switches the whole UI at once.

import { h } from './dom.js';
import { t, lang, setLanguage, LANGUAGE_NAMES } from '../lib/i18n.js';

export function langSwitch() {
  const id = `lang-${Math.random().toString(36).slice(2)}`;
  const select = h(
    'select',
    { id, class: 'lang-select', onchange: (event) => setLanguage(event.target.value) },
    Object.entries(LANGUAGE_NAMES).map(([code, name]) =>
      h('option', { value: code, selected: code === lang(), lang: code, text: name }),
    ),
  );
  select.value = lang();
  return h('div', { class: 'lang-switch' }, h('label', { for: id, class: 'visually-hidden', text: t('lang.label') }), select);
}
