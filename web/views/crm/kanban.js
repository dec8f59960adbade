// Deals as a board: a column per stage of the chosen pipeline with its deals, how many there
// are and what they add up to (the server's funnel: every deal, not only the loaded ones).
// A card moves to another stage by dragging it or with its stage menu; the move shows at
// once and is undone, with a notice, when the server refuses it (a deal deleted meanwhile
// leaves the board instead). What colleagues change shows live: each `crm.changed` frame
// names a deal, which is read again and put where it now belongs (or taken off the board
// when it is gone, in another pipeline, or no longer the user's to see).

import { h, icon, mount } from '../../components/dom.js';
import { store } from '../../lib/store.js';
import { t } from '../../lib/i18n.js';
import { errorText, userName } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { money, sums, addAmounts, calendarDate } from '../../lib/crm.js';
import { pageHeader, notice, emptyState } from './parts.js';
import { openNewDeal } from './new-deal.js';

const PIPELINE_KEY = 'sb.crm.pipeline';
const PAGE = 50;
/** Most deals one read of changed deals asks for (the server's limit for `ids`). */
const PAGE_OF_IDS = 200;

function rememberPipeline(id) {
  try {
    localStorage.setItem(PIPELINE_KEY, id);
  } catch {
    // Not remembered: the default pipeline shows next time.
  }
}

function rememberedPipeline() {
  try {
    return localStorage.getItem(PIPELINE_KEY);
  } catch {
    return null;
  }
}

export function kanbanView(ctx, scope) {
  // Viewers read the CRM only: their board has nothing to drag, choose or create.
  const readOnly = store.state.session.user.role === 'viewer';
  const picker = h('select', { id: 'pipeline-picker', class: 'pipeline-picker' });
  const newButton = h('button', { type: 'button', class: 'button primary', disabled: true, onclick: () => createDeal() }, icon('plus'), t('crm.deal.new'));
  const board = h('div', { class: 'kanban', role: 'list', 'aria-label': t('crm.kanban.label') });
  const el = h(
    'div',
    { class: 'crm-kanban-page' },
    pageHeader(t('crm.deals.title'), h('label', { for: picker.id, class: 'picker-label', text: t('crm.pipeline.label') }), picker, readOnly ? null : newButton),
    board,
  );

  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });
  let pipelines = [];
  let pipeline = null;
  /** stage id -> { stage, deals, cursor, loading, error, count, amounts, el } */
  const columns = new Map();
  let dragged = null; // the id of the deal being dragged
  let totalsTimer = null;

  scope.cleanup(() => clearTimeout(totalsTimer));
  scope.cleanup(
    ctx.crmLive.watch((frame) => {
      if (!alive || !pipeline) return;
      if (frame.type === 'reload' || frame.change === 'bulk') {
        showPipeline(pipeline.id);
      } else if (frame.entity === 'deal' && frame.change === 'deleted') {
        place(frame.id, null);
      } else if (frame.entity === 'deal' && (frame.pipeline_id === pipeline.id || frame.pipeline_id == null || columnOf(frame.id))) {
        reread(frame.id);
      }
    }),
  );

  async function start() {
    mount(board, notice(t('room.loading')));
    try {
      pipelines = await ctx.crm.pipelines();
    } catch (error) {
      if (alive) mount(board, notice(errorText(error), { role: 'alert' }), h('button', { type: 'button', class: 'button', text: t('action.retry'), onclick: start }));
      return;
    }
    if (!alive) return;
    if (!pipelines.length) {
      mount(board, emptyState('deals', t('crm.pipeline.none'), t('crm.pipeline.none_body')));
      return;
    }
    mount(picker, pipelines.map((p) => h('option', { value: p.id, text: p.name })));
    const wanted = pipelines.find((p) => p.id === (pipeline?.id || rememberedPipeline()));
    showPipeline((wanted || pipelines[0]).id);
  }

  picker.addEventListener('change', () => {
    rememberPipeline(picker.value);
    showPipeline(picker.value);
  });

  function showPipeline(id) {
    pipeline = pipelines.find((p) => p.id === id);
    picker.value = id;
    newButton.disabled = false;
    columns.clear();
    for (const stage of pipeline.stages) {
      columns.set(stage.id, { stage, deals: [], cursor: null, loading: true, error: null, count: 0, amounts: {}, el: null });
    }
    mount(board, pipeline.stages.map((stage) => columnShell(columns.get(stage.id))));
    refreshTotals();
    for (const column of columns.values()) loadColumn(column);
  }

  async function loadColumn(column) {
    const forPipeline = pipeline.id;
    column.loading = true;
    column.error = null;
    renderColumn(column);
    try {
      const page = await ctx.crm.deals({ pipeline_id: forPipeline, stage_id: column.stage.id, cursor: column.cursor, limit: PAGE });
      if (!alive || pipeline.id !== forPipeline) return;
      const known = new Set(column.deals.map((d) => d.id));
      column.deals.push(...page.items.filter((d) => !known.has(d.id)));
      column.cursor = page.next_cursor;
    } catch (error) {
      column.error = error;
    }
    column.loading = false;
    if (alive && pipeline.id === forPipeline) renderColumn(column);
  }

  // Deals named by live frames, read again together: a burst (a bulk change) is one request.
  const toRead = new Set();
  let readTimer = null;
  scope.cleanup(() => clearTimeout(readTimer));

  function reread(dealId) {
    toRead.add(dealId);
    if (!readTimer) readTimer = setTimeout(readChanged, 100);
  }

  async function readChanged() {
    readTimer = null;
    const ids = [...toRead].slice(0, PAGE_OF_IDS);
    for (const id of ids) toRead.delete(id);
    if (toRead.size) readTimer = setTimeout(readChanged, 0);
    const forPipeline = pipeline.id;
    let page;
    try {
      page = await ctx.crm.deals({ ids: ids.join(','), limit: PAGE_OF_IDS });
    } catch {
      // Left as shown; the next change or a reload puts them right.
      return;
    }
    if (!alive || pipeline.id !== forPipeline) return;
    const found = new Map(page.items.map((deal) => [deal.id, deal]));
    // A deal not in the answer is deleted or no longer this user's to see.
    for (const id of ids) {
      const deal = found.get(id);
      place(id, deal?.pipeline_id === forPipeline ? deal : null);
    }
  }

  /** Puts a deal where the server has it now (`null`: off the board); totals follow. */
  function place(dealId, deal) {
    const found = columnOf(dealId);
    // This tab's own move is on its way; the server's answer to it settles the card.
    if (found?.column.deals[found.index].pending) return;
    const target = deal && columns.get(deal.stage_id);
    if (found && found.column === target) {
      found.column.deals[found.index] = deal;
      renderColumn(target);
    } else {
      if (found) {
        found.column.deals.splice(found.index, 1);
        renderColumn(found.column);
      }
      if (target) {
        target.deals.unshift(deal);
        renderColumn(target);
      }
    }
    // A burst of changes asks for the totals once.
    clearTimeout(totalsTimer);
    totalsTimer = setTimeout(refreshTotals, 150);
  }

  /** Counts and sums from the server's funnel of the pipeline. */
  async function refreshTotals() {
    const forPipeline = pipeline.id;
    try {
      const rows = await ctx.crm.funnel(forPipeline);
      if (!alive || pipeline.id !== forPipeline) return;
      for (const column of columns.values()) {
        const row = rows.find((r) => r.stage_id === column.stage.id);
        column.count = row?.count || 0;
        column.amounts = { ...(row?.amounts || {}) };
        renderTotals(column);
      }
    } catch {
      // The totals stay as they were; the cards are still right.
    }
  }

  function columnShell(column) {
    const { stage } = column;
    const headingId = `stage-${stage.id}`;
    const list = h('ul', { class: 'kanban-cards', 'aria-labelledby': headingId });
    const totals = h('div', { class: 'kanban-totals' });
    const footer = h('div', { class: 'kanban-footer' });
    const el = h(
      'section',
      {
        class: ['kanban-column', `stage-${stage.meaning}`],
        role: 'listitem',
        'aria-labelledby': headingId,
        dataset: { stageId: stage.id },
        ondragover: (event) => {
          if (!dragged) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = 'move';
          el.classList.add('drop-target');
        },
        ondragleave: (event) => {
          if (!el.contains(event.relatedTarget)) el.classList.remove('drop-target');
        },
        ondrop: (event) => {
          event.preventDefault();
          el.classList.remove('drop-target');
          const id = event.dataTransfer.getData('text/plain') || dragged;
          if (id) move(id, stage.id);
        },
      },
      h('header', { class: 'kanban-column-header' }, h('h2', { id: headingId, class: 'kanban-stage', text: stage.name }), totals),
      list,
      footer,
    );
    column.el = { root: el, list, totals, footer };
    return el;
  }

  function renderTotals(column) {
    mount(
      column.el.totals,
      h('span', { class: 'kanban-count', 'aria-label': t('crm.kanban.count', { count: column.count }), text: String(column.count) }),
      h('span', { class: 'kanban-sum', text: sums(column.amounts) }),
    );
  }

  function renderColumn(column) {
    renderTotals(column);
    mount(column.el.list, column.deals.map(card));
    if (column.error) {
      mount(column.el.footer, notice(errorText(column.error), { role: 'alert' }), h('button', { type: 'button', class: 'link-button', text: t('action.retry'), onclick: () => loadColumn(column) }));
    } else if (column.loading) {
      mount(column.el.footer, notice(t('room.loading')));
    } else if (column.cursor) {
      mount(column.el.footer, h('button', { type: 'button', class: 'button load-more', text: t('crm.list.more'), onclick: () => loadColumn(column) }));
    } else if (!column.deals.length) {
      mount(column.el.footer, h('p', { class: 'kanban-empty', text: t('crm.kanban.empty_stage') }));
    } else {
      mount(column.el.footer);
    }
  }

  function card(deal) {
    const stageSelect = readOnly
      ? null
      : h(
          'select',
          {
            class: 'stage-select',
            'aria-label': t('crm.kanban.move_to', { title: deal.title }),
            onchange: () => move(deal.id, stageSelect.value, { focus: true }),
          },
          pipeline.stages.map((s) => h('option', { value: s.id, selected: s.id === deal.stage_id, text: s.name })),
        );
    if (stageSelect) stageSelect.value = deal.stage_id;
    const el = h(
      'li',
      {
        class: ['deal-card', deal.pending && 'pending', readOnly && 'read-only'],
        draggable: readOnly ? null : 'true',
        dataset: { dealId: deal.id },
        ondragstart: (event) => {
          dragged = deal.id;
          event.dataTransfer.setData('text/plain', deal.id);
          event.dataTransfer.effectAllowed = 'move';
          el.classList.add('dragging');
        },
        ondragend: () => {
          dragged = null;
          el.classList.remove('dragging');
          for (const column of columns.values()) column.el.root.classList.remove('drop-target');
        },
      },
      h('a', { href: `/crm/deals/${deal.id}`, class: 'deal-title', onclick: followLink('crm-deal', { id: deal.id }), text: deal.title }),
      h('div', { class: 'deal-amount', text: money(deal.amount, deal.currency) }),
      deal.contact_id || deal.company_id
        ? h('div', { class: 'deal-links' }, ctx.names.link('contact', deal.contact_id), deal.contact_id && deal.company_id ? ' · ' : null, ctx.names.link('company', deal.company_id))
        : null,
      h(
        'div',
        { class: 'deal-meta muted' },
        h('span', { class: 'deal-responsible', text: deal.responsible_id ? userName(deal.responsible_id) : t('crm.deal.no_responsible') }),
        deal.expected_close ? h('span', { text: calendarDate(deal.expected_close) }) : null,
      ),
      stageSelect,
    );
    // The card is what is dragged, wherever the drag starts; links inside stay plain links.
    for (const link of el.querySelectorAll('a')) link.draggable = false;
    return el;
  }

  function columnOf(dealId) {
    for (const column of columns.values()) {
      const index = column.deals.findIndex((d) => d.id === dealId);
      if (index >= 0) return { column, index };
    }
    return null;
  }

  function shift(column, deal, sign) {
    column.count += sign;
    const sum = addAmounts(column.amounts[deal.currency], deal.amount, sign);
    // A currency the column no longer holds drops out of its sum.
    if (/^-?[0.]+$/.test(sum)) delete column.amounts[deal.currency];
    else column.amounts[deal.currency] = sum;
  }

  function focusCard(dealId) {
    column: for (const column of columns.values()) {
      for (const item of column.el.list.children) {
        if (item.dataset.dealId === dealId) {
          item.querySelector('.stage-select')?.focus();
          break column;
        }
      }
    }
  }

  async function move(dealId, stageId, { focus = false } = {}) {
    const found = columnOf(dealId);
    const target = columns.get(stageId);
    if (!found || !target || found.column === target) return;
    const { column: source, index } = found;
    const deal = source.deals[index];
    // Shown at once; the server's answer confirms or undoes it.
    source.deals.splice(index, 1);
    const moved = { ...deal, stage_id: stageId, pending: true };
    target.deals.unshift(moved);
    shift(source, deal, -1);
    shift(target, deal, 1);
    renderColumn(source);
    renderColumn(target);
    if (focus) focusCard(dealId);
    try {
      const updated = await ctx.crm.updateDeal(dealId, { stage_id: stageId });
      if (!alive) return;
      const at = target.deals.indexOf(moved);
      if (at >= 0) target.deals[at] = updated;
      renderColumn(target);
      refreshTotals();
    } catch (error) {
      if (!alive) return;
      const at = target.deals.indexOf(moved);
      if (at >= 0) target.deals.splice(at, 1);
      shift(target, deal, -1);
      const stageGone = error.code === 'validation_failed' && error.fields?.stage_id;
      if (error.code === 'not_found') {
        // Deleted (or given away) meanwhile: it leaves the board rather than coming back.
        renderColumn(target);
        refreshTotals();
      } else {
        source.deals.splice(Math.min(index, source.deals.length), 0, deal);
        shift(source, deal, 1);
        renderColumn(source);
        renderColumn(target);
        if (focus) focusCard(dealId);
      }
      const reason = stageGone ? t('crm.kanban.stage_gone') : errorText(error);
      ctx.toast(t('crm.kanban.move_failed', { title: deal.title, stage: target.stage.name, reason }), { kind: 'error', timeout: 8000 });
      // The pipeline changed under the board: it is drawn again as the server has it.
      if (stageGone) start();
    }
  }

  function createDeal() {
    openNewDeal(ctx, pipeline, (deal) => {
      const column = columns.get(deal.stage_id);
      // The live frame about it may have placed it already.
      if (!column || !alive || columnOf(deal.id)) return;
      column.deals.unshift(deal);
      shift(column, deal, 1);
      renderColumn(column);
      refreshTotals();
    });
  }

  start();
  return { el };
}
