// Formatting that depends on the language: times, dates, sizes, people's and rooms' names.

import { t, lang } from './i18n.js';
import { store } from './store.js';

const formatters = new Map();

function formatter(key, options) {
  const id = `${lang()}|${key}`;
  if (!formatters.has(id)) formatters.set(id, new Intl.DateTimeFormat(lang(), options));
  return formatters.get(id);
}

export function time(iso) {
  return formatter('time', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

export function fullDate(iso) {
  return formatter('full', { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
}

/** "Today", "Yesterday" or the date: the separators in the message list. */
export function day(iso) {
  const date = new Date(iso);
  const today = new Date();
  const startOf = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const diff = Math.round((startOf(today) - startOf(date)) / 86400000);
  if (diff === 0) return t('day.today');
  if (diff === 1) return t('day.yesterday');
  const options = { day: 'numeric', month: 'long' };
  if (date.getFullYear() !== today.getFullYear()) options.year = 'numeric';
  return formatter(`day${options.year ? 'y' : ''}`, options).format(date);
}

export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function size(bytes) {
  const units = ['size.b', 'size.kb', 'size.mb', 'size.gb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(lang(), { maximumFractionDigits: unit ? 1 : 0 }).format(
    value,
  );
  return t(units[unit], { n: number });
}

/** Minutes and seconds for a wait ("14 min", "40 s"). */
export function wait(seconds) {
  if (seconds >= 60) return t('wait.minutes', { count: Math.ceil(seconds / 60) });
  return t('wait.seconds', { count: Math.max(1, Math.round(seconds)) });
}

/**
 * A person's name. Admins know everyone; other roles know only themselves, because the API
 * gives them no directory, so colleagues show as "Colleague" with a short id.
 */
export function userName(userId) {
  if (!userId) return t('user.system');
  const { users, session } = store.state;
  if (session?.user.id === userId) return session.user.display_name;
  const user = users.get(userId);
  if (user) return user.display_name;
  return t('user.unknown', { short: userId.slice(-4) });
}

export function roomName(room) {
  if (!room) return '';
  if (room.kind === 'dm') return room.dmUserId ? userName(room.dmUserId) : t('room.dm');
  return room.name || t('room.untitled');
}

/** A failed request or socket frame in words. */
export function errorText(error) {
  if (!error) return '';
  switch (error.code) {
    case 'network':
      return t('error.network');
    case 'too_many_attempts':
      return t('login.locked', { wait: wait(error.retryAfter || 60) });
    case 'unauthorized':
      return t('error.unauthorized');
    case 'forbidden':
      return t('error.forbidden');
    case 'not_found':
      return t('error.not_found');
    case 'payload_too_large':
      return t('error.too_large');
    case 'unsupported_media_type':
      return t('error.unsupported_type');
    case 'validation_failed':
      return t('error.validation');
    case 'conflict':
      return t('error.conflict');
    case 'disconnected':
    case 'timeout':
      return t('error.disconnected');
    default:
      return t('error.generic');
  }
}
