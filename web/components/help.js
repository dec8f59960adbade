// The keyboard shortcuts overlay, opened with "?".

import { h } from './dom.js';
import { openModal } from './modal.js';
import { t } from '../lib/i18n.js';

export const SHORTCUTS = [
  [['Enter'], 'help.send'],
  [['Shift', 'Enter'], 'help.newline'],
  [['Ctrl', 'K'], 'help.switcher'],
  [['Alt', '↑'], 'help.previous_room'],
  [['Alt', '↓'], 'help.next_room'],
  [['/'], 'help.search'],
  [['Esc'], 'help.close'],
  [['?'], 'help.help'],
];

export function openHelp() {
  return openModal({
    title: t('help.title'),
    className: 'modal-help',
    body: h(
      'dl',
      { class: 'shortcuts' },
      SHORTCUTS.map(([keys, label]) => [
        h('dt', null, keys.map((key, index) => [index ? ' + ' : '', h('kbd', { text: key === 'Esc' ? t('key.esc') : key })])),
        h('dd', { text: t(label) }),
      ]),
    ),
  });
}
