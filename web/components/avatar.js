// A round avatar with initials, coloured by the person's id, and an optional presence dot.

import { h, icon } from './dom.js';
import { roomName } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { store } from '../lib/store.js';

const HUES = [210, 262, 330, 12, 36, 150, 178, 196];

function hue(id) {
  let sum = 0;
  for (const char of String(id)) sum = (sum * 31 + char.charCodeAt(0)) % 9973;
  return HUES[sum % HUES.length];
}

export function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : (words[0] || '?').slice(0, 2);
  return letters.toUpperCase();
}

export function avatar(id, name, { size = 'md', presence = false } = {}) {
  const el = h('span', { class: `avatar avatar-${size} hue-${hue(id)}`, 'aria-hidden': 'true' }, initials(name));
  if (!presence) return el;
  return h('span', { class: 'avatar-wrap' }, el, presenceDot(id));
}

export function presenceDot(userId) {
  const status = store.state.presence.get(userId) || 'offline';
  return h('span', {
    class: `presence presence-${status}`,
    role: 'img',
    'aria-label': t(`presence.${status}`),
    title: t(`presence.${status}`),
    dataset: { presenceOf: userId },
  });
}

/** A room's picture: the partner's avatar with presence for a DM, a glyph otherwise. */
export function roomIcon(room, size = 'sm') {
  if (room.kind === 'dm') return avatar(room.dmUserId || room.id, roomName(room), { size, presence: true });
  if (room.kind === 'channel') return h('span', { class: 'room-glyph' }, icon(room.is_private ? 'lock' : 'hash'));
  return h('span', { class: 'room-glyph' }, icon('group'));
}
