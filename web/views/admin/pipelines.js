// Pipelines and their stages: create and rename pipelines, choose the default, delete an
// unused one; add, edit (name, probability, meaning), reorder and remove stages. Removing a
// stage that still holds deals asks where to move them, as the API requires.

import { h, icon, mount } from '../../components/dom.js';
import { confirmDialog } from '../../components/modal.js';
import { t } from '../../lib/i18n.js';
import { adminError, emptyState, field, formDialog, loading, MEANINGS, pageHeader, select } from '../../lib/admin.js';

const LABELS = () => ({ name: t('admin.stage_name'), probability: t('admin.stage_probability'), meaning: t('admin.stage_meaning'), move_to: t('admin.stage_move_to') });

export function pipelinesPage(ctx, scope) {
  const body = h('div', { class: 'admin-body' }, loading());
  const status = h('p', { class: 'form-error', role: 'alert' });
  const el = h(
    'section',
    { class: 'admin-page admin-pipelines' },
    pageHeader(t('admin.page_pipelines'), t('admin.pipelines_intro'), h('button', { type: 'button', class: 'button primary', text: t('admin.pipeline_new'), onclick: () => openCreate() })),
    status,
    body,
  );
  let alive = true;
  scope.cleanup(() => {
    alive = false;
  });
  let pipelines = [];

  async function load() {
    try {
      pipelines = await ctx.admin.pipelines();
      if (alive) render();
    } catch (error) {
      if (alive) mount(body, h('p', { class: 'form-error', role: 'alert', text: adminError(error) }));
    }
  }

  /** Runs a change; its failure is said at the top, and the pipelines are shown as stored. */
  async function change(action, done) {
    status.textContent = '';
    let succeeded = false;
    try {
      await action();
      succeeded = true;
    } catch (error) {
      status.textContent = adminError(error, LABELS());
    }
    await load();
    if (succeeded && done) ctx.toast(done);
  }

  function stageRow(pipeline, stage, index) {
    const label = (key) => t(key, { name: stage.name });
    const name = h('input', { value: stage.name, maxlength: 100, required: true, 'aria-label': label('admin.stage_name_of') });
    const probability = h('input', { type: 'number', min: 0, max: 100, value: String(stage.probability), class: 'probability', 'aria-label': label('admin.stage_probability_of') });
    const meaning = select(MEANINGS.map((m) => [m, t(`admin.meaning_${m}`)]), stage.meaning, { 'aria-label': label('admin.stage_meaning_of') });
    const saveStage = (patch) => change(() => ctx.admin.updateStage(pipeline.id, stage.id, patch), t('admin.saved', { name: patch.name || stage.name }));
    name.addEventListener('change', () => saveStage({ name: name.value.trim() }));
    probability.addEventListener('change', () => saveStage({ probability: Number(probability.value) }));
    meaning.addEventListener('change', () => saveStage({ meaning: meaning.value }));
    const move = (step) => {
      const ids = pipeline.stages.map((s) => s.id);
      const [moved] = ids.splice(index, 1);
      ids.splice(index + step, 0, moved);
      return change(() => ctx.admin.reorderStages(pipeline.id, ids));
    };
    const last = index === pipeline.stages.length - 1;
    return h(
      'tr',
      { class: ['admin-row', `meaning-${stage.meaning}`], dataset: { stageId: stage.id } },
      h('td', { class: 'muted', text: String(index + 1) }),
      h('td', null, name),
      h('td', null, h('span', { class: 'probability-field' }, probability, h('span', { class: 'muted', text: '%' }))),
      h('td', null, meaning),
      h(
        'td',
        { class: 'admin-actions' },
        h('button', { type: 'button', class: 'icon-button small', disabled: index === 0, 'aria-label': label('admin.stage_up'), title: label('admin.stage_up'), onclick: () => move(-1) }, h('span', { 'aria-hidden': 'true', text: '↑' })),
        h('button', { type: 'button', class: 'icon-button small', disabled: last, 'aria-label': label('admin.stage_down'), title: label('admin.stage_down'), onclick: () => move(1) }, h('span', { 'aria-hidden': 'true', text: '↓' })),
        h('button', { type: 'button', class: 'icon-button small danger', 'aria-label': label('admin.stage_remove'), title: label('admin.stage_remove'), onclick: () => removeStage(pipeline, stage) }, icon('trash')),
      ),
    );
  }

  async function removeStage(pipeline, stage) {
    const sure = await confirmDialog({ title: t('admin.stage_remove_title', { name: stage.name }), message: t('admin.stage_remove_body'), confirm: t('admin.delete'), danger: true });
    if (!sure) return;
    status.textContent = '';
    try {
      await ctx.admin.removeStage(pipeline.id, stage.id);
      ctx.toast(t('admin.stage_removed', { name: stage.name }));
      await load();
    } catch (error) {
      if (error.code !== 'stage_not_empty') {
        status.textContent = adminError(error, LABELS());
        return;
      }
      // Deals are still in the stage: the API wants to know where they go.
      const others = pipeline.stages.filter((s) => s.id !== stage.id);
      const target = select(others.map((s) => [s.id, s.name]), others[0]?.id);
      formDialog({
        title: t('admin.stage_move_title', { name: stage.name }),
        submit: t('admin.stage_move_and_remove'),
        labels: LABELS(),
        fields: [h('p', { text: t('admin.stage_has_deals') }), h('p', { class: 'muted', text: error.message }), field(t('admin.stage_move_to'), target)],
        onSubmit: async () => {
          const { moved } = await ctx.admin.removeStage(pipeline.id, stage.id, target.value);
          ctx.toast(t('admin.stage_removed_moved', { name: stage.name, count: moved }));
          await load();
        },
      });
    }
  }

  function addStageForm(pipeline) {
    const name = h('input', { maxlength: 100, required: true, autocomplete: 'off', 'aria-label': t('admin.stage_name') , placeholder: t('admin.stage_name') });
    const probability = h('input', { type: 'number', min: 0, max: 100, value: '50', class: 'probability', required: true, 'aria-label': t('admin.stage_probability') });
    const meaning = select(MEANINGS.map((m) => [m, t(`admin.meaning_${m}`)]), 'open', { 'aria-label': t('admin.stage_meaning') });
    return h(
      'form',
      {
        class: 'add-stage',
        'aria-label': t('admin.stage_add_to', { name: pipeline.name }),
        onsubmit: (event) => {
          event.preventDefault();
          change(
            () => ctx.admin.addStage(pipeline.id, { name: name.value.trim(), probability: Number(probability.value), meaning: meaning.value }),
            t('admin.stage_added', { name: name.value.trim() }),
          );
        },
      },
      name,
      h('span', { class: 'probability-field' }, probability, h('span', { class: 'muted', text: '%' })),
      meaning,
      h('button', { type: 'submit', class: 'button' }, icon('plus'), h('span', { text: t('admin.stage_add') })),
    );
  }

  function pipelineCard(pipeline) {
    const titleId = `pipeline-${pipeline.id}`;
    return h(
      'section',
      { class: 'pipeline-card', 'aria-labelledby': titleId, dataset: { pipelineId: pipeline.id } },
      h(
        'header',
        { class: 'pipeline-head' },
        h('h3', { id: titleId, text: pipeline.name }),
        pipeline.is_default ? h('span', { class: 'status-pill on', text: t('admin.pipeline_default') }) : null,
        h(
          'div',
          { class: 'button-row' },
          h('button', { type: 'button', class: 'button small', text: t('admin.rename'), 'aria-label': t('admin.rename_named', { name: pipeline.name }), onclick: () => openRename(pipeline) }),
          pipeline.is_default
            ? null
            : h('button', { type: 'button', class: 'button small', text: t('admin.pipeline_make_default'), onclick: () => change(() => ctx.admin.updatePipeline(pipeline.id, { is_default: true }), t('admin.saved', { name: pipeline.name })) }),
          pipeline.is_default
            ? null
            : h('button', {
                type: 'button',
                class: 'button small danger-outline',
                text: t('admin.delete'),
                'aria-label': t('admin.delete_named', { name: pipeline.name }),
                onclick: async () => {
                  const sure = await confirmDialog({ title: t('admin.pipeline_delete_title', { name: pipeline.name }), message: t('admin.pipeline_delete_body'), confirm: t('admin.delete'), danger: true });
                  if (sure) await change(() => ctx.admin.deletePipeline(pipeline.id), t('admin.pipeline_deleted', { name: pipeline.name }));
                },
              }),
        ),
      ),
      h(
        'table',
        { class: 'admin-table stages-table' },
        h('caption', { class: 'visually-hidden', text: t('admin.stages_of', { name: pipeline.name }) }),
        h('thead', null, h('tr', null, ...['admin.col_position', 'admin.stage_name', 'admin.stage_probability', 'admin.stage_meaning', 'admin.col_actions'].map((key) => h('th', { scope: 'col', text: t(key) })))),
        h('tbody', null, pipeline.stages.map((stage, index) => stageRow(pipeline, stage, index))),
      ),
      addStageForm(pipeline),
    );
  }

  function render() {
    mount(body, pipelines.length ? pipelines.map(pipelineCard) : emptyState(t('admin.pipelines_empty')));
  }

  function openCreate() {
    const name = h('input', { required: true, autofocus: true, maxlength: 100, autocomplete: 'off' });
    const isDefault = h('input', { type: 'checkbox', id: 'pipeline-default' });
    formDialog({
      title: t('admin.pipeline_new'),
      submit: t('admin.create'),
      labels: { name: t('admin.pipeline_name') },
      fields: [
        field(t('admin.pipeline_name'), name, t('admin.pipeline_new_hint')),
        h('div', { class: 'check-row' }, isDefault, h('label', { for: 'pipeline-default', text: t('admin.pipeline_make_default') })),
      ],
      onSubmit: async () => {
        await ctx.admin.createPipeline({ name: name.value.trim(), is_default: isDefault.checked });
        ctx.toast(t('admin.pipeline_created', { name: name.value.trim() }));
        await load();
      },
    });
  }

  function openRename(pipeline) {
    const name = h('input', { required: true, autofocus: true, maxlength: 100, autocomplete: 'off', value: pipeline.name });
    formDialog({
      title: t('admin.rename_named', { name: pipeline.name }),
      submit: t('admin.save'),
      labels: { name: t('admin.pipeline_name') },
      fields: [field(t('admin.pipeline_name'), name)],
      onSubmit: async () => {
        await ctx.admin.updatePipeline(pipeline.id, { name: name.value.trim() });
        ctx.toast(t('admin.saved', { name: name.value.trim() }));
        await load();
      },
    });
  }

  load();
  return { el };
}
