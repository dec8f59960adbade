// The connection banner: shown while the websocket is down, with the time to the next try
// and a button to try at once.

import { h, mount } from './dom.js';
import { t } from '../lib/i18n.js';
import { store } from '../lib/store.js';

export function connectionBanner(ctx, scope) {
  const el = h('div', { class: 'banner', role: 'status', 'aria-live': 'polite', hidden: true });
  let ticker = null;
  function render() {
    const { connection, reconnectAt } = store.state;
    const down = connection === 'offline' || (connection === 'connecting' && ctx.wasOnline());
    el.hidden = !down;
    clearInterval(ticker);
    if (!down) {
      el.replaceChildren();
      return;
    }
    const text = h('span', { class: 'banner-text' });
    const update = () => {
      const seconds = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
      text.textContent =
        connection === 'offline' && seconds > 0
          ? t('connection.retrying', { count: seconds })
          : t('connection.reconnecting');
    };
    update();
    if (connection === 'offline') ticker = setInterval(update, 1000);
    mount(
      el,
      h('span', { class: 'banner-dot', 'aria-hidden': 'true' }),
      h('strong', { text: t('connection.lost') }),
      text,
      connection === 'offline'
        ? h('button', { type: 'button', class: 'link-button', text: t('connection.retry'), onclick: () => ctx.socket.retryNow() })
        : null,
    );
  }
  scope.on('connection', render);
  scope.cleanup(() => clearInterval(ticker));
  render();
  return el;
}
