// The admin screens: the app's sidebar, a menu of the pages the user's role may use, and the
// page itself (one module each). Unknown or forbidden pages fall back to the first allowed.

import { h, mount } from '../../components/dom.js';
import { sidebar } from '../../components/sidebar.js';
import { connectionBanner } from '../../components/banner.js';
import { openQuickSwitcher } from '../../components/quick-switcher.js';
import { openHelp } from '../../components/help.js';
import { openNewRoom } from '../../components/new-room.js';
import { openNewDm } from '../../components/new-dm.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { navigate, followLink } from '../../lib/router.js';
import { adminApi, pagesFor } from '../../lib/admin.js';
import { usersPage } from './users.js';
import { departmentsPage } from './departments.js';
import { linesPage } from './lines.js';
import { linePage } from './line.js';
import { cannedPage } from './canned.js';
import { pipelinesPage } from './pipelines.js';
import { customFieldsPage } from './custom-fields.js';

const BUILD = { users: usersPage, departments: departmentsPage, lines: linesPage, canned: cannedPage, pipelines: pipelinesPage, fields: customFieldsPage };

export function adminView(ctx, scope, route) {
  const admin = { ...ctx, admin: adminApi(ctx.api) };
  const side = sidebar(ctx, scope, {
    onNew: (kind) => (kind === 'dm' ? openNewDm(ctx) : openNewRoom(ctx, kind)),
    onSearch: (query) => {
      navigate('chat');
      ctx.actions.search(query);
    },
    onSwitcher: () => openQuickSwitcher(),
    onHelp: () => openHelp(),
  });
  const pages = pagesFor(store.state.session.user);
  const menu = h('nav', { class: 'admin-menu', 'aria-label': t('admin.menu') });
  const content = h('main', { class: 'admin-content', id: 'main', 'aria-labelledby': 'admin-page-title' });
  const el = h(
    'div',
    { class: 'chat-layout admin-layout' },
    h('a', { href: '#main', class: 'skip-link', text: t('a11y.skip_admin') }),
    side.el,
    h(
      'div',
      { class: 'main-column' },
      connectionBanner(ctx, scope),
      h('header', { class: 'admin-header' }, h('h1', { class: 'room-title', text: t('admin.title') }), menu),
      content,
    ),
  );

  let shown = null; // { key, scope }

  function show(params) {
    const allowed = pages.find((entry) => entry.page === params.page) || pages[0];
    if (!allowed) {
      navigate('chat', {}, { replace: true });
      return;
    }
    if (allowed.page !== params.page) {
      navigate('admin', { page: allowed.page }, { replace: true });
      return;
    }
    const detail = allowed.page === 'lines' && params.id;
    const key = `${allowed.page}/${params.id || ''}`;
    mount(
      menu,
      h(
        'ul',
        null,
        pages.map((entry) =>
          h(
            'li',
            null,
            h('a', {
              href: `/admin/${entry.page}`,
              class: ['admin-tab', entry.page === allowed.page && 'active'],
              'aria-current': entry.page === allowed.page ? 'page' : null,
              onclick: followLink('admin', { page: entry.page }),
              text: t(`admin.page_${entry.page}`),
            }),
          ),
        ),
      ),
    );
    if (shown?.key === key) return;
    shown?.scope.dispose();
    const pageScope = store.scope();
    // The second part of the address is a line's id, or the kind of record whose fields to show.
    const page = detail ? linePage(admin, pageScope, params.id) : BUILD[allowed.page](admin, pageScope, params.id);
    shown = { key, scope: pageScope };
    mount(content, page.el);
  }

  scope.cleanup(() => shown?.scope.dispose());
  show(route.params);
  return {
    el,
    update(next) {
      show(next.params);
    },
  };
}
