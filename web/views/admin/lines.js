// Lines: each with how it distributes conversations, its operators and the channels that
// feed it; a new line is named here and configured on its own page.

import { h, mount } from '../../components/dom.js';
import { channelIcon } from '../../components/channel.js';
import { t } from '../../lib/i18n.js';
import { followLink, navigate } from '../../lib/router.js';
import { adminError, DISTRIBUTIONS, emptyState, field, formDialog, loading, pageHeader, select } from '../../lib/admin.js';

export function linesPage(ctx, scope) {
  const body = h('div', { class: 'admin-body' }, loading());
  const el = h(
    'section',
    { class: 'admin-page admin-lines' },
    pageHeader(t('admin.page_lines'), t('admin.lines_intro'), h('button', { type: 'button', class: 'button primary', text: t('admin.line_new'), onclick: () => openCreate() })),
    body,
  );
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });

  async function load() {
    try {
      const [lines, channels] = await Promise.all([ctx.admin.lines(), ctx.admin.channels()]);
      if (alive) render(lines, channels);
    } catch (error) {
      if (alive) mount(body, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  function render(lines, channels) {
    if (!lines.length) {
      mount(body, emptyState(t('admin.lines_empty'), t('admin.lines_empty_body')));
      return;
    }
    mount(
      body,
      h(
        'ul',
        { class: 'admin-cards', 'aria-label': t('admin.page_lines') },
        lines.map((line) => {
          const own = channels.filter((c) => c.line_id === line.id);
          return h(
            'li',
            null,
            h(
              'a',
              { href: `/admin/lines/${line.id}`, class: 'admin-card line-card', dataset: { lineId: line.id }, onclick: followLink('admin', { page: 'lines', id: line.id }) },
              h('strong', { class: 'line-card-name', text: line.name }),
              h('span', { class: 'muted', text: t(`admin.distribution_${line.distribution}`) }),
              h('span', { class: 'muted', text: t('admin.operators_count', { count: line.operators.length }) }),
              h(
                'span',
                { class: 'line-card-channels' },
                own.length ? own.map((c) => channelIcon(c.kind)) : h('span', { class: 'muted', text: t('admin.no_channels') }),
              ),
            ),
          );
        }),
      ),
    );
  }

  function openCreate() {
    const name = h('input', { autocomplete: 'off', required: true, autofocus: true, maxlength: 100 });
    const distribution = select(DISTRIBUTIONS.map((d) => [d, t(`admin.distribution_${d}`)]), 'round_robin');
    formDialog({
      title: t('admin.line_new'),
      submit: t('admin.create'),
      labels: { name: t('admin.line_name'), distribution: t('admin.line_distribution') },
      fields: [field(t('admin.line_name'), name), field(t('admin.line_distribution'), distribution)],
      onSubmit: async () => {
        const line = await ctx.admin.createLine({ name: name.value.trim(), distribution: distribution.value });
        navigate('admin', { page: 'lines', id: line.id });
      },
    });
  }

  load();
  return { el };
}
