// Paths of the app, kept in the address bar with the History API (the server answers every
// such path with index.html). `navigate` changes the route; views subscribe to 'route'.

import { store } from './store.js';

const ROUTES = [
  { name: 'login', pattern: /^\/login\/?$/ },
  { name: 'change-password', pattern: /^\/change-password\/?$/ },
  { name: 'chat', pattern: /^\/chat(?:\/([0-9a-fA-F-]{8,64}))?\/?$/, keys: ['roomId'] },
  { name: 'inbox', pattern: /^\/inbox(?:\/([0-9a-fA-F-]{8,64}))?\/?$/, keys: ['roomId'] },
  // CRM pages (web/views/crm/): a list per kind of record and a card per record.
  { name: 'crm-deals', pattern: /^\/crm(?:\/deals)?\/?$/ },
  { name: 'crm-deal', pattern: /^\/crm\/deals\/([0-9a-fA-F-]{8,64})\/?$/, keys: ['id'] },
  { name: 'crm-contacts', pattern: /^\/crm\/contacts\/?$/ },
  { name: 'crm-contact', pattern: /^\/crm\/contacts\/([0-9a-fA-F-]{8,64})\/?$/, keys: ['id'] },
  { name: 'crm-companies', pattern: /^\/crm\/companies\/?$/ },
  { name: 'crm-company', pattern: /^\/crm\/companies\/([0-9a-fA-F-]{8,64})\/?$/, keys: ['id'] },
  { name: 'crm-leads', pattern: /^\/crm\/leads\/?$/ },
  { name: 'crm-lead', pattern: /^\/crm\/leads\/([0-9a-fA-F-]{8,64})\/?$/, keys: ['id'] },
  { name: 'crm-duplicates', pattern: /^\/crm\/duplicates\/?$/ },
  { name: 'crm-tasks', pattern: /^\/crm\/tasks\/?$/ },
  // Admin screens: /admin/users, /admin/departments, /admin/lines[/:id], /admin/canned, /admin/pipelines,
  // /admin/fields[/:entity] (the custom fields of contacts, companies, deals or leads).
  { name: 'admin', pattern: /^\/admin(?:\/(users|departments|lines|canned|pipelines|fields)(?:\/([0-9a-fA-F-]{8,64}|contact|company|deal|lead))?)?\/?$/, keys: ['page', 'id'] },
];

/** The CRM routes' paths: `crm-deal` with `{id}` is /crm/deals/{id}. */
const CRM_PATHS = {
  'crm-deals': 'deals',
  'crm-deal': 'deals',
  'crm-contacts': 'contacts',
  'crm-contact': 'contacts',
  'crm-companies': 'companies',
  'crm-company': 'companies',
  'crm-leads': 'leads',
  'crm-lead': 'leads',
  'crm-duplicates': 'duplicates',
  'crm-tasks': 'tasks',
};

export function parse(pathname) {
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (match) {
      const params = {};
      (route.keys || []).forEach((key, index) => {
        if (match[index + 1]) params[key] = match[index + 1];
      });
      return { name: route.name, params };
    }
  }
  return { name: 'chat', params: {} };
}

export function pathOf(name, params = {}) {
  switch (name) {
    case 'login':
      return '/login';
    case 'change-password':
      return '/change-password';
    case 'inbox':
      return params.roomId ? `/inbox/${params.roomId}` : '/inbox';
    case 'admin':
      return ['/admin', params.page, params.page && params.id].filter(Boolean).join('/');
    default:
      if (Object.hasOwn(CRM_PATHS, name)) return `/crm/${CRM_PATHS[name]}${params.id ? `/${params.id}` : ''}`;
      return params.roomId ? `/chat/${params.roomId}` : '/chat';
  }
}

function apply(route) {
  store.update((s) => {
    s.route = route;
  }, 'route');
}

export function navigate(name, params = {}, { replace = false } = {}) {
  const path = pathOf(name, params);
  if (location.pathname !== path) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
  }
  apply({ name, params });
}

/** The click handler of an in-app link: a plain click navigates in place; a click that asks
 * for a new tab or window (modifier keys, middle button) is left to the browser. */
export function followLink(name, params = {}) {
  return (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
    event.preventDefault();
    navigate(name, params);
  };
}

export function startRouter() {
  window.addEventListener('popstate', () => apply(parse(location.pathname)));
  return parse(location.pathname);
}
