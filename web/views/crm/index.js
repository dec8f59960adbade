// The CRM: the app's sidebar, a tab per kind of record (deals, contacts, companies, leads,
// tasks) and the page the address names. Moving between CRM pages keeps the sidebar and
// rebuilds only the page.

import { h, icon, mount } from '../../components/dom.js';
import { sidebar } from '../../components/sidebar.js';
import { connectionBanner } from '../../components/banner.js';
import { openQuickSwitcher } from '../../components/quick-switcher.js';
import { openHelp } from '../../components/help.js';
import { openNewRoom } from '../../components/new-room.js';
import { openNewDm } from '../../components/new-dm.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { navigate, followLink } from '../../lib/router.js';
import { crmApi, createNames } from '../../lib/crm.js';
import { kanbanView } from './kanban.js';
import { dealView } from './deal.js';
import { contactsView } from './contacts.js';
import { contactView } from './contact.js';
import { companiesView } from './companies.js';
import { companyView } from './company.js';
import { leadsView } from './leads.js';
import { leadView } from './lead.js';
import { duplicatesView } from './duplicates.js';
import { tasksView } from './tasks.js';

const TABS = [
  { route: 'crm-deals', also: 'crm-deal', label: 'crm.tab.deals', icon: 'deals' },
  { route: 'crm-contacts', also: 'crm-contact', label: 'crm.tab.contacts', icon: 'user' },
  { route: 'crm-companies', also: 'crm-company', label: 'crm.tab.companies', icon: 'building' },
  { route: 'crm-leads', also: 'crm-lead', label: 'crm.tab.leads', icon: 'target' },
  { route: 'crm-tasks', label: 'crm.tab.tasks', icon: 'tasks' },
  { route: 'crm-duplicates', label: 'crm.tab.duplicates', icon: 'group' },
];

const PAGES = {
  'crm-deals': kanbanView,
  'crm-deal': dealView,
  'crm-contacts': contactsView,
  'crm-contact': contactView,
  'crm-companies': companiesView,
  'crm-company': companyView,
  'crm-leads': leadsView,
  'crm-lead': leadView,
  'crm-duplicates': duplicatesView,
  'crm-tasks': tasksView,
};

export function crmView(ctx, scope, route) {
  const side = sidebar(ctx, scope, {
    onNew: (kind) => (kind === 'dm' ? openNewDm(ctx) : openNewRoom(ctx, kind)),
    onSearch: (query) => {
      navigate('chat');
      ctx.actions.search(query);
    },
    onSwitcher: () => openQuickSwitcher(),
    onHelp: () => openHelp(),
  });
  const tabs = h('nav', { class: 'crm-tabs', 'aria-label': t('crm.nav') });
  const page = h('main', { class: 'crm-page', id: 'main' });
  const el = h(
    'div',
    { class: 'chat-layout crm-layout' },
    h('a', { href: '#main', class: 'skip-link', text: t('a11y.skip') }),
    side.el,
    h('div', { class: 'main-column' }, connectionBanner(ctx, scope), tabs, page),
  );
  const crm = { ...ctx, crm: crmApi(ctx.api) };
  let open = null; // { key, view, scope }

  function renderTabs(name) {
    mount(
      tabs,
      TABS.map((tab) => {
        const active = tab.route === name || tab.also === name;
        return h(
          'a',
          { href: `/crm/${tab.route.slice(4)}`, class: ['crm-tab', active && 'active'], 'aria-current': active ? 'page' : null, onclick: followLink(tab.route) },
          icon(tab.icon),
          h('span', { text: t(tab.label) }),
        );
      }),
    );
  }

  function show(next) {
    renderTabs(next.name);
    const key = `${next.name}:${next.params.id || ''}`;
    if (open?.key === key) return;
    open?.scope.dispose();
    const pageScope = store.scope();
    // Names of linked records are cached per page, so a renamed contact shows on the next visit.
    const view = PAGES[next.name]({ ...crm, names: createNames(crm.crm) }, pageScope, next);
    open = { key, view, scope: pageScope };
    mount(page, view.el);
    page.scrollTop = 0;
  }

  scope.cleanup(() => open?.scope.dispose());
  show(route);
  return {
    el,
    update: show,
  };
}
