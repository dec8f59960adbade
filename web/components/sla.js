// The SLA countdown of a conversation waiting for its operator's first answer: how long until
// the line re-offers it (amber in the last minute, red once overdue). Rows render it once;
// `tickSla` moves every countdown under a node on by a second without a redraw.

import { h } from './dom.js';
import { t } from '../lib/i18n.js';

const SOON_MS = 60_000;

function clock(ms) {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(seconds / 3600);
  const rest = `${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  return hours ? `${hours}:${rest}` : rest;
}

function paint(node) {
  const left = Number(node.dataset.due) - Date.now();
  node.classList.toggle('soon', left > 0 && left <= SOON_MS);
  node.classList.toggle('overdue', left <= 0);
  node.textContent = left > 0 ? t('sla.left', { time: clock(left) }) : t('sla.overdue', { time: clock(left) });
}

/** The countdown of an assigned, unanswered conversation; null when no SLA runs. */
export function slaNode(row) {
  if (row.status !== 'assigned' || !row.sla_due_at) return null;
  const node = h('span', { class: 'sla', title: t('sla.hint'), dataset: { due: String(new Date(row.sla_due_at).getTime()) } });
  paint(node);
  return node;
}

export function tickSla(root) {
  for (const node of root.querySelectorAll('.sla[data-due]')) paint(node);
}
