// What the CRM pages share: their REST calls, money (exact decimal text from the server,
// summed without floats), names of linked records fetched once per page, and small
// formatting helpers.

import { h } from '../components/dom.js';
import { t, lang } from './i18n.js';
import { followLink } from './router.js';

export function crmApi(api) {
  const id = encodeURIComponent;
  const get = (path, query) => api.request('GET', path, { query });
  const post = (path, body) => api.request('POST', path, { body: body ?? {} });
  const patch = (path, body) => api.request('PATCH', path, { body });
  return {
    pipelines: () => get('/api/v1/pipelines'),
    funnel: (pipelineId) => get('/api/v1/analytics/funnel', { pipeline_id: pipelineId }),
    deals: (query) => get('/api/v1/deals', query),
    deal: (dealId) => get(`/api/v1/deals/${id(dealId)}`),
    createDeal: (deal) => post('/api/v1/deals', deal),
    updateDeal: (dealId, changes) => patch(`/api/v1/deals/${id(dealId)}`, changes),
    contacts: (query) => get('/api/v1/contacts', query),
    contact: (contactId) => get(`/api/v1/contacts/${id(contactId)}`),
    updateContact: (contactId, changes) => patch(`/api/v1/contacts/${id(contactId)}`, changes),
    contactDuplicates: (contactId) => get('/api/v1/contacts/duplicates', { contact_id: contactId }),
    /** `pick` (optional): `{field: contact id}`, whose value each field keeps. */
    mergeContacts: (targetId, sourceIds, pick) => post('/api/v1/contacts/merge', { target_id: targetId, source_ids: sourceIds, ...(pick ? { pick } : {}) }),
    duplicateGroups: (query) => get('/api/v1/contacts/duplicate-groups', query),
    companies: (query) => get('/api/v1/companies', query),
    company: (companyId) => get(`/api/v1/companies/${id(companyId)}`),
    updateCompany: (companyId, changes) => patch(`/api/v1/companies/${id(companyId)}`, changes),
    leads: (query) => get('/api/v1/leads', query),
    lead: (leadId) => get(`/api/v1/leads/${id(leadId)}`),
    createLead: (lead) => post('/api/v1/leads', lead),
    updateLead: (leadId, changes) => patch(`/api/v1/leads/${id(leadId)}`, changes),
    convertLead: (leadId, how) => post(`/api/v1/leads/${id(leadId)}/convert`, how),
    /** The custom fields of `entity` (contact, company, deal, lead) the user's role sees. */
    customFields: (entity) => get(`/api/v1/custom-fields/${id(entity)}`),
    tasks: (query) => get('/api/v1/tasks', query),
    createTask: (task) => post('/api/v1/tasks', task),
    updateTask: (taskId, changes) => patch(`/api/v1/tasks/${id(taskId)}`, changes),
    /** `kind` is contacts, companies, deals or leads. */
    timeline: (kind, recordId, query) => get(`/api/v1/${kind}/${id(recordId)}/timeline`, query),
    comment: (kind, recordId, text) => post(`/api/v1/${kind}/${id(recordId)}/comments`, { text }),
  };
}

/** Statuses of a task still to do: the filter of "open tasks". */
export const OPEN_TASK_STATUSES = 'new,in_progress,waiting';

// Money: amounts arrive as decimal text with the currency's number of decimals ("1250.50",
// "1500" for yen), so sums are done on whole minor units.

function minorUnits(amount) {
  const [whole, fraction = ''] = String(amount).split('.');
  return { units: BigInt(whole + fraction), decimals: fraction.length };
}

/** `a + sign·b` of two amounts of one currency, as decimal text. */
export function addAmounts(a, b, sign = 1) {
  const x = minorUnits(a || '0');
  const y = minorUnits(b || '0');
  const decimals = Math.max(x.decimals, y.decimals);
  const scale = (v) => v.units * 10n ** BigInt(decimals - v.decimals);
  const sum = scale(x) + BigInt(sign) * scale(y);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(decimals + 1, '0');
  const text = decimals ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
  return negative ? `-${text}` : text;
}

export function money(amount, currency) {
  const decimals = (String(amount).split('.')[1] || '').length;
  try {
    return new Intl.NumberFormat(lang(), { style: 'currency', currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Sums per currency (`{RUB: "1500.00"}`) as one line; zero when there are none. */
export function sums(amounts) {
  const entries = Object.entries(amounts || {});
  if (!entries.length) return new Intl.NumberFormat(lang()).format(0);
  return entries.map(([currency, amount]) => money(amount, currency)).join(' · ');
}

/** A YYYY-MM-DD calendar date in words. */
export function calendarDate(text) {
  if (!text) return '';
  const [year, month, day] = text.split('-').map(Number);
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium' }).format(new Date(year, month - 1, day));
}

export function shortDateTime(iso) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** The stage a deal stands in, from the pipelines (`GET /api/v1/pipelines`); null if gone. */
export function dealStage(pipelines, deal) {
  const pipeline = pipelines.find((p) => p.id === deal.pipeline_id);
  return pipeline?.stages.find((s) => s.id === deal.stage_id) || null;
}

export function contactName(contact) {
  const name = [contact.first_name, contact.middle_name, contact.last_name].filter(Boolean).join(' ');
  return name || contact.phones?.[0]?.number || contact.emails?.[0]?.address || t('contact.unnamed');
}

export function leadLabel(lead) {
  return lead.title || lead.name || lead.company_name || lead.phone || lead.email || '';
}

export function isOverdue(task, now = Date.now()) {
  return task.status !== 'done' && Boolean(task.deadline) && Date.parse(task.deadline) < now;
}

/**
 * Names of linked contacts and companies, each fetched once per page; `link` draws an in-app
 * link whose text arrives when the name does (a record the user may not open stays a dash).
 */
export function createNames(api) {
  const cache = new Map();
  function name(kind, recordId) {
    const key = `${kind}:${recordId}`;
    if (!cache.has(key)) {
      const load = kind === 'contact' ? api.contact(recordId).then(contactName) : api.company(recordId).then((c) => c.name);
      cache.set(key, load.catch(() => null));
    }
    return cache.get(key);
  }
  function link(kind, recordId, { className = '' } = {}) {
    if (!recordId) return null;
    const route = kind === 'contact' ? 'crm-contact' : 'crm-company';
    const path = kind === 'contact' ? 'contacts' : 'companies';
    const el = h('a', { href: `/crm/${path}/${recordId}`, class: ['record-link', className], onclick: followLink(route, { id: recordId }) }, '…');
    name(kind, recordId).then((text) => {
      el.textContent = text || '—';
    });
    return el;
  }
  return { name, link };
}

/** Keeps text typed into a search box from firing a request per key. */
export function debounce(fn, ms = 300) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
