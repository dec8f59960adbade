// A client channel's icon and name (Telegram, WhatsApp, Viber, e-mail, the website widget).

import { h, icon } from './dom.js';
import { t } from '../lib/i18n.js';

const KINDS = ['telegram', 'whatsapp', 'viber', 'email', 'widget'];

export function channelLabel(kind) {
  return KINDS.includes(kind) ? t(`channel.${kind}`) : t('channel.other');
}

export function channelIcon(kind, size = 'sm') {
  const known = KINDS.includes(kind) ? kind : 'chat';
  return h('span', { class: `channel-icon channel-${known} channel-icon-${size}`, title: channelLabel(kind) }, icon(known, channelLabel(kind)));
}
