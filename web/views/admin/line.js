// One line: its settings and policies (distribution, load limit, operators and supervisors,
// working hours in a time zone, greeting and off-hours message, SLA, auto-close, reopening,
// rating), and its channels: the webhook address to paste into the provider's console, the
// mode, and how polling goes; connecting a Telegram bot or the website widget.

import { h, icon, mount } from '../../components/dom.js';
import { channelIcon, channelLabel } from '../../components/channel.js';
import { openModal } from '../../components/modal.js';
import { t } from '../../lib/i18n.js';
import { fullDate } from '../../lib/format.js';
import { followLink } from '../../lib/router.js';
import { adminError, copyable, DAYS, DISTRIBUTIONS, emptyState, field, formDialog, loading, RATING_MODES, select } from '../../lib/admin.js';

const LABELS = () => ({
  name: t('admin.line_name'),
  distribution: t('admin.line_distribution'),
  max_open_per_operator: t('admin.line_max_open'),
  operators: t('admin.line_operators'),
  supervisors: t('admin.line_supervisors'),
  working_hours: t('admin.line_hours'),
  greeting: t('admin.line_greeting'),
  off_hours_message: t('admin.line_off_hours'),
  sla_seconds: t('admin.line_sla'),
  auto_close_minutes: t('admin.line_auto_close'),
  reopen_minutes: t('admin.line_reopen'),
  rating_mode: t('admin.line_rating'),
  token: t('admin.telegram_token'),
  mode: t('admin.channel_mode'),
  allowed_origins: t('admin.widget_origins'),
  line_id: t('admin.page_lines'),
});

/** Where the provider must deliver: the path the API gives, on the address the admin uses
 * (the hub's `channels.public_url` is the same host in a normal set-up). */
export function webhookUrl(channel) {
  return new URL(channel.webhook_path, location.origin).href;
}

/** The widget's `<script>` tag, as POST /api/v1/channels/widget returns it on creation. */
export function widgetSnippet(channel) {
  return `<script src="${location.origin}/widget.js" data-line="${channel.account}" async></script>`;
}

function timeZones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

export function linePage(ctx, scope, lineId) {
  const body = h('div', { class: 'admin-body' }, loading());
  const el = h(
    'section',
    { class: 'admin-page admin-line' },
    h('a', { href: '/admin/lines', class: 'back-link', onclick: followLink('admin', { page: 'lines' }), text: t('admin.back_to_lines') }),
    body,
  );
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });
  let line = null;
  let users = [];
  const channelsBox = h('div', { class: 'line-channels' });

  async function load() {
    try {
      [line, users] = await Promise.all([ctx.admin.line(lineId), ctx.admin.users()]);
      if (!alive) return;
      render();
      await loadChannels();
    } catch (error) {
      if (alive) mount(body, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  async function loadChannels() {
    try {
      const channels = (await ctx.admin.channels()).filter((c) => c.line_id === lineId);
      if (alive) renderChannels(channels);
    } catch (error) {
      if (alive) mount(channelsBox, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  /** Checkboxes of people, those in `chosen` ticked. */
  function people(name, chosen) {
    const list = users.filter((u) => !u.disabled || chosen.includes(u.id));
    return h(
      'fieldset',
      { class: 'people-checks' },
      h('legend', { text: t(name === 'operators' ? 'admin.line_operators' : 'admin.line_supervisors') }),
      list.length
        ? list.map((u) => {
            const id = `line-${name}-${u.id}`;
            return h(
              'div',
              { class: 'check-row' },
              h('input', { type: 'checkbox', id, name, value: u.id, checked: chosen.includes(u.id) }),
              h('label', { for: id, text: `${u.display_name} (${t(`role.${u.role}`)})` }),
            );
          })
        : h('p', { class: 'muted', text: t('admin.users_empty') }),
    );
  }

  function render() {
    const error = h('p', { class: 'form-error', role: 'alert' });
    const name = h('input', { id: 'line-name', required: true, maxlength: 100, value: line.name });
    const distribution = select(DISTRIBUTIONS.map((d) => [d, t(`admin.distribution_${d}`)]), line.distribution, { id: 'line-distribution' });
    const maxOpen = h('input', { id: 'line-max-open', type: 'number', min: 1, max: 1000, required: true, value: String(line.max_open_per_operator) });
    const operators = people('operators', line.operators);
    const supervisors = people('supervisors', line.supervisors);
    const hours = line.working_hours;
    const alwaysOpen = h('input', { type: 'checkbox', id: 'line-always-open', checked: !hours });
    const zones = h('datalist', { id: 'line-time-zones' }, timeZones().map((zone) => h('option', { value: zone })));
    const zone = h('input', { id: 'line-time-zone', list: 'line-time-zones', autocomplete: 'off', value: hours?.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
    const days = Object.fromEntries(
      DAYS.map((day) => [day, h('input', { id: `line-day-${day}`, class: 'mono', autocomplete: 'off', placeholder: '09:00-18:00', value: (hours?.week?.[day] || []).join(', ') })]),
    );
    const hoursBox = h(
      'div',
      { class: 'hours-box' },
      field(t('admin.line_time_zone'), zone),
      zones,
      h('div', { class: 'week-grid' }, DAYS.map((day) => field(t(`admin.day_${day}`), days[day]))),
      h('p', { class: 'hint', text: t('admin.line_hours_hint') }),
    );
    const syncHours = () => {
      hoursBox.hidden = alwaysOpen.checked;
    };
    alwaysOpen.addEventListener('change', syncHours);
    syncHours();
    const greeting = h('textarea', { id: 'line-greeting', rows: 2, maxlength: 2000 });
    greeting.value = line.greeting || '';
    const offHours = h('textarea', { id: 'line-off-hours', rows: 2, maxlength: 2000 });
    offHours.value = line.off_hours_message || '';
    const sla = h('input', { id: 'line-sla', type: 'number', min: 0, step: 'any', value: String(line.sla_seconds / 60) });
    const autoClose = h('input', { id: 'line-auto-close', type: 'number', min: 0, value: String(line.auto_close_minutes) });
    const reopen = h('input', { id: 'line-reopen', type: 'number', min: 0, value: String(line.reopen_minutes) });
    const rating = select(RATING_MODES.map((m) => [m, t(`admin.rating_${m}`)]), line.rating_mode, { id: 'line-rating' });
    const save = h('button', { type: 'submit', class: 'button primary', text: t('admin.save') });

    function checked(fieldset) {
      return [...fieldset.querySelectorAll('input:checked')].map((input) => input.value);
    }

    async function onSubmit(event) {
      event.preventDefault();
      error.textContent = '';
      const week = {};
      for (const day of DAYS) {
        const intervals = days[day].value.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);
        if (intervals.length) week[day] = intervals;
      }
      save.disabled = true;
      try {
        line = await ctx.admin.updateLine(lineId, {
          name: name.value.trim(),
          distribution: distribution.value,
          max_open_per_operator: Number(maxOpen.value),
          operators: checked(operators),
          supervisors: checked(supervisors),
          working_hours: alwaysOpen.checked ? null : { time_zone: zone.value.trim(), week },
          greeting: greeting.value.trim() || null,
          off_hours_message: offHours.value.trim() || null,
          sla_seconds: Math.round(Number(sla.value) * 60),
          auto_close_minutes: Number(autoClose.value),
          reopen_minutes: Number(reopen.value),
          rating_mode: rating.value,
        });
        ctx.toast(t('admin.saved', { name: line.name }));
        title.textContent = line.name;
      } catch (failure) {
        error.textContent = adminError(failure, LABELS());
      } finally {
        save.disabled = false;
      }
    }

    const title = h('h2', { id: 'admin-page-title', text: line.name });
    mount(
      body,
      h('header', { class: 'admin-page-header' }, h('div', null, title, h('p', { class: 'muted', text: t('admin.line_intro') }))),
      h(
        'form',
        { class: 'admin-settings', onsubmit: onSubmit, 'aria-label': t('admin.line_settings') },
        h(
          'section',
          { class: 'settings-group', 'aria-labelledby': 'line-routing-title' },
          h('h3', { id: 'line-routing-title', text: t('admin.line_routing') }),
          field(t('admin.line_name'), name),
          field(t('admin.line_distribution'), distribution, t(`admin.distribution_hint`)),
          field(t('admin.line_max_open'), maxOpen),
          h('div', { class: 'people-columns' }, operators, supervisors),
        ),
        h(
          'section',
          { class: 'settings-group', 'aria-labelledby': 'line-hours-title' },
          h('h3', { id: 'line-hours-title', text: t('admin.line_hours') }),
          h('div', { class: 'check-row' }, alwaysOpen, h('label', { for: 'line-always-open', text: t('admin.line_always_open') })),
          hoursBox,
          field(t('admin.line_greeting'), greeting, t('admin.line_greeting_hint')),
          field(t('admin.line_off_hours'), offHours, t('admin.line_off_hours_hint')),
        ),
        h(
          'section',
          { class: 'settings-group', 'aria-labelledby': 'line-policies-title' },
          h('h3', { id: 'line-policies-title', text: t('admin.line_policies') }),
          field(t('admin.line_sla'), sla, t('admin.line_sla_hint')),
          field(t('admin.line_auto_close'), autoClose, t('admin.line_auto_close_hint')),
          field(t('admin.line_reopen'), reopen, t('admin.line_reopen_hint')),
          field(t('admin.line_rating'), rating),
        ),
        error,
        h('div', { class: 'settings-actions' }, save),
      ),
      h(
        'section',
        { class: 'settings-group', 'aria-labelledby': 'line-channels-title' },
        h(
          'div',
          { class: 'settings-group-header' },
          h('h3', { id: 'line-channels-title', text: t('admin.line_channels') }),
          h(
            'div',
            { class: 'button-row' },
            h('button', { type: 'button', class: 'button', onclick: connectTelegram }, icon('telegram'), h('span', { text: t('admin.telegram_connect') })),
            h('button', { type: 'button', class: 'button', onclick: connectWidget }, icon('widget'), h('span', { text: t('admin.widget_connect') })),
          ),
        ),
        channelsBox,
      ),
    );
  }

  function health(channel) {
    if (channel.mode !== 'polling') return h('span', { class: 'muted', text: t('admin.health_webhook') });
    const poller = channel.poller;
    if (!poller) return h('span', { class: 'status-pill warn', text: t('admin.health_not_polled') });
    if (poller.last_error) {
      return h('span', { class: 'status-pill off', text: t('admin.health_failing', { error: poller.last_error }) });
    }
    return h(
      'span',
      { class: 'status-pill on', text: poller.last_polled_at ? t('admin.health_polled', { time: fullDate(poller.last_polled_at), node: poller.holder }) : t('admin.health_not_polled') },
    );
  }

  /** A labelled read-only value with its copy button and what to do with it. */
  function copyRow(label, control, hint) {
    return h('div', { class: 'channel-copy' }, h('span', { class: 'channel-copy-label', text: label }), control, h('p', { class: 'hint', text: hint }));
  }

  function channelCard(channel) {
    const rows = [];
    if (channel.kind === 'telegram') {
      rows.push(h('div', { class: 'channel-fact' }, h('span', { class: 'muted', text: t('admin.channel_mode') }), h('strong', { class: 'channel-mode', text: t(`admin.mode_${channel.mode}`) })));
      if (channel.mode === 'webhook') rows.push(copyRow(t('admin.webhook_url'), copyable(webhookUrl(channel), t('admin.webhook_url')), t('admin.webhook_hint')));
      rows.push(h('div', { class: 'channel-fact' }, h('span', { class: 'muted', text: t('admin.channel_health') }), health(channel)));
    } else if (channel.kind === 'widget') {
      rows.push(copyRow(t('admin.widget_snippet'), copyable(widgetSnippet(channel), t('admin.widget_snippet'), { multiline: true }), t('admin.widget_paste')));
    }
    const card = h(
      'li',
      { class: 'channel-card', dataset: { channelId: channel.id, kind: channel.kind } },
      h('div', { class: 'channel-card-head' }, channelIcon(channel.kind), h('strong', { text: channel.name }), h('span', { class: 'muted', text: channelLabel(channel.kind) })),
      rows,
    );
    return card;
  }

  function renderChannels(channels) {
    if (!channels.length) {
      mount(channelsBox, emptyState(t('admin.channels_empty'), t('admin.channels_empty_body')));
      return;
    }
    mount(channelsBox, h('ul', { class: 'channel-cards' }, channels.map(channelCard)));
  }

  function connectTelegram() {
    const token = h('input', { class: 'mono', required: true, autofocus: true, autocomplete: 'off', spellcheck: 'false', placeholder: '123456:ABC…' });
    const mode = select([['webhook', t('admin.mode_webhook')], ['polling', t('admin.mode_polling')]], 'webhook');
    const name = h('input', { autocomplete: 'off', maxlength: 100 });
    const secret = h('input', { autocomplete: 'off', class: 'mono' });
    formDialog({
      title: t('admin.telegram_connect'),
      submit: t('admin.connect'),
      labels: LABELS(),
      fields: [
        h('p', { class: 'muted', text: t('admin.telegram_intro') }),
        field(t('admin.telegram_token'), token),
        field(t('admin.channel_mode'), mode, t('admin.mode_hint')),
        field(t('admin.channel_name'), name, t('admin.telegram_name_hint')),
        field(t('admin.telegram_secret'), secret, t('admin.telegram_secret_hint')),
      ],
      onSubmit: async () => {
        const channel = await ctx.admin.connectTelegram({
          line_id: lineId,
          token: token.value.trim(),
          mode: mode.value,
          name: name.value.trim() || undefined,
          webhook_secret: secret.value.trim() || undefined,
        });
        ctx.toast(t('admin.channel_connected', { name: channel.name }));
        await loadChannels();
      },
    });
  }

  function connectWidget() {
    const name = h('input', { autocomplete: 'off', maxlength: 100, autofocus: true });
    const origins = h('textarea', { rows: 3, class: 'mono', required: true, placeholder: 'https://shop.example.com' });
    const rule = (value) => select(['off', 'optional', 'required'].map((r) => [r, t(`admin.prechat_${r}`)]), value);
    const prechat = { name: rule('optional'), email: rule('off'), phone: rule('off') };
    formDialog({
      title: t('admin.widget_connect'),
      submit: t('admin.connect'),
      labels: LABELS(),
      fields: [
        h('p', { class: 'muted', text: t('admin.widget_intro') }),
        field(t('admin.channel_name'), name),
        field(t('admin.widget_origins'), origins, t('admin.widget_origins_hint')),
        h(
          'fieldset',
          { class: 'prechat-rules' },
          h('legend', { text: t('admin.prechat') }),
          field(t('admin.prechat_name'), prechat.name),
          field(t('admin.prechat_email'), prechat.email),
          field(t('admin.prechat_phone'), prechat.phone),
        ),
      ],
      onSubmit: async () => {
        const channel = await ctx.admin.connectWidget({
          line_id: lineId,
          name: name.value.trim() || undefined,
          allowed_origins: origins.value.split(/[\s,]+/).filter(Boolean),
          prechat: { name: prechat.name.value, email: prechat.email.value, phone: prechat.phone.value },
        });
        await loadChannels();
        const modal = openModal({
          title: t('admin.channel_connected', { name: channel.name }),
          body: [
            h('p', { text: t('admin.widget_paste') }),
            copyable(channel.snippet, t('admin.widget_snippet'), { multiline: true }),
            h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'button primary', text: t('admin.done'), onclick: () => modal.close() })),
          ],
        });
      },
    });
  }

  load();
  return { el };
}
