// The filter bar above a CRM list: a search box and checkboxes or menus; any change asks
// the list to start again from its first page.

import { h } from '../../components/dom.js';
import { t } from '../../lib/i18n.js';
import { debounce } from '../../lib/crm.js';

/** `controls` are elements whose `change` re-runs the list; `search` is the box's label. */
export function filterBar({ id, search, controls = [], onChange }) {
  const field = search ? h('input', { type: 'search', id: `${id}-search`, class: 'crm-search', placeholder: search, 'aria-label': search, autocomplete: 'off', maxlength: 200 }) : null;
  const run = debounce(onChange, 250);
  field?.addEventListener('input', run);
  for (const control of controls) control.addEventListener('change', onChange);
  const el = h('form', { class: 'crm-filters', role: 'search', onsubmit: (event) => event.preventDefault() }, field, controls.map((c) => (c.tagName === 'INPUT' && c.type === 'checkbox' ? h('label', { class: 'check' }, c, c.dataset.label) : c)));
  return { el, query: () => field?.value.trim() || '' };
}

/** A checkbox for the filter bar, labelled `label`. */
export function checkbox(id, label) {
  return h('input', { type: 'checkbox', id, dataset: { label } });
}

/** A menu for the filter bar: `options` are `[value, label]`, the first one chosen. */
export function menu(id, label, options) {
  return h('select', { id, class: 'crm-filter', 'aria-label': label }, options.map(([value, text]) => h('option', { value, text })));
}

export const mineLabel = () => t('crm.filter.mine');
