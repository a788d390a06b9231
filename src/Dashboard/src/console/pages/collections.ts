import './registries.css';
import { ApiError } from '../../api';
import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import { collectionActions, collectionReviewActions, collectionStates, fieldLabel, fieldText, registryNames, registryOf } from './registry-model';

// 采集审核 (#/collections?state=pending&unit=): what grid workers collected on their phones, awaiting review; a record
// (#/collections/<id>) with its data (masked as the API gives it), approve / reject with a note and confirmation.
// Approved, the registry's record changes with the collection's provenance; a field another source owns (一数一源)
// answers 409 and the record stays pending with the refusal written on it — shown as such.

interface Collection {
  id: string; unitCode: string; registry: string; action: string; recordId: string | null; data: Record<string, unknown>;
  collectedBy: string; collectedAt: string; receivedAt: string; state: string; reviewedBy: string | null; reviewedAt: string | null;
  note: string | null; refusal: string | null; caseId: string | null;
}

function registryName(ctx: ConsoleContext, registry: string): string {
  const known = registryOf(registry);
  return known ? ctx.t(...registryNames[known]) : registry;
}

function stateBadge(ctx: ConsoleContext, state: string): string {
  const name = collectionStates[state];
  return `<span class="badge state-${escapeHtml(state)}" data-state="${escapeHtml(state)}">${escapeHtml(name ? ctx.t(...name) : state)}</span>`;
}

function actionName(ctx: ConsoleContext, action: string): string {
  const name = collectionActions[action];
  return name ? ctx.t(...name) : action;
}

async function listPage(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const state = route.query.get('state') ?? 'pending';
  host.innerHTML = `<h2>${ctx.t('采集审核', 'Collections to review')}</h2>`;
  host.append(filterBar(ctx, { ...route, query: new URLSearchParams({ ...Object.fromEntries(route.query), state }) }, [
    { name: 'state', label: ctx.t('状态', 'State'), options: Object.entries(collectionStates).map(([v, n]): [string, string] => [v, ctx.t(...n)]) },
    { name: 'unit', label: ctx.t('单位编码（默认本单位）', 'Unit code (default: yours)') },
  ]));
  const list = document.createElement('section');
  host.append(list);
  await pagedTable<Collection>(list, ctx, {
    path: 'api/v1/collections',
    query: { state, unit: route.query.get('unit') || null },
    id: (c) => c.id,
    columns: [
      { title: ctx.t('采集时间', 'Collected'), cell: (c) => escapeHtml(formatTime(c.collectedAt, ctx.language)) },
      { title: ctx.t('信息库', 'Registry'), cell: (c) => escapeHtml(registryName(ctx, c.registry)) },
      { title: ctx.t('类型', 'Action'), cell: (c) => escapeHtml(actionName(ctx, c.action)) },
      { title: ctx.t('记录', 'Record'), cell: (c) => escapeHtml(c.recordId ?? ctx.t('（新记录）', '(new)')) },
      { title: ctx.t('内容', 'Data'), cell: (c) => escapeHtml(dataLine(ctx, c)) },
      { title: ctx.t('网格员', 'Worker'), cell: (c) => escapeHtml(c.collectedBy) },
      { title: ctx.t('状态', 'State'), cell: (c) => stateBadge(ctx, c.state) + (c.refusal ? ` <span class="badge overdue" title="${escapeHtml(c.refusal)}">${ctx.t('被拒写入', 'refused')}</span>` : '') },
    ],
    open: (c) => ctx.navigate(`collections/${c.id}`),
  });
}

function dataLine(ctx: ConsoleContext, c: Collection): string {
  const registry = registryOf(c.registry);
  return Object.entries(c.data).map(([k, v]) => `${registry ? fieldLabel(registry, k, ctx.language === 'zh') : k}: ${fieldText(v, ctx.language === 'zh')}`).join('；');
}

async function recordPage(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  let record: Collection;
  try {
    record = await ctx.api.request<Collection>('GET', `api/v1/collections/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      host.innerHTML = `<p class="error" role="alert">${ctx.t('没有这条采集记录，或它不在您的范围内。', 'No such collection, or it is outside your scope.')}</p>`;
      return;
    }
    throw error;
  }
  const zh = ctx.language === 'zh';
  const registry = registryOf(record.registry);
  const recordLink = record.recordId
    ? `<a href="#/registry/${encodeURIComponent(record.registry)}/${encodeURIComponent(record.recordId)}" data-link="record">${escapeHtml(record.recordId)}</a>`
    : escapeHtml(ctx.t('（新记录）', '(new record)'));
  host.innerHTML = `
    <p class="crumbs"><a href="#/collections">${ctx.t('采集审核', 'Collections')}</a> › ${escapeHtml(record.id)}</p>
    <h2 data-id="${escapeHtml(record.id)}">${escapeHtml(registryName(ctx, record.registry))} · ${escapeHtml(actionName(ctx, record.action))} ${stateBadge(ctx, record.state)}</h2>
    <dl class="card facts">
      <div><dt>${ctx.t('记录', 'Record')}</dt><dd>${recordLink}</dd></div>
      <div><dt>${ctx.t('网格', 'Grid')}</dt><dd data-unit="${escapeHtml(record.unitCode)}">${escapeHtml(record.unitCode)}</dd></div>
      <div><dt>${ctx.t('网格员', 'Worker')}</dt><dd>${escapeHtml(record.collectedBy)}</dd></div>
      <div><dt>${ctx.t('采集时间', 'Collected at')}</dt><dd>${escapeHtml(formatTime(record.collectedAt, ctx.language))}</dd></div>
      <div><dt>${ctx.t('收到时间', 'Received at')}</dt><dd>${escapeHtml(formatTime(record.receivedAt, ctx.language))}</dd></div>
      ${record.reviewedBy ? `<div><dt>${ctx.t('审核人', 'Reviewed by')}</dt><dd data-field="reviewedBy">${escapeHtml(record.reviewedBy)} · ${escapeHtml(formatTime(record.reviewedAt!, ctx.language))}</dd></div>` : ''}
      ${record.note ? `<div><dt>${ctx.t('审核意见', 'Note')}</dt><dd data-field="note">${escapeHtml(record.note)}</dd></div>` : ''}
      ${record.caseId ? `<div><dt>${ctx.t('生成事件', 'Case opened')}</dt><dd><a href="#/cases/${encodeURIComponent(record.caseId)}" data-link="case">${escapeHtml(record.caseId)}</a></dd></div>` : ''}
    </dl>
    ${record.refusal ? `<p class="refusal" role="alert" data-field="refusal"><strong>${ctx.t('一数一源：写入被拒', 'One datum, one source: refused')}</strong> ${escapeHtml(record.refusal)}</p>` : ''}
    <h3>${ctx.t('采集内容', 'Collected data')}</h3>
    <table class="list collection-data">
      <thead><tr><th scope="col">${ctx.t('字段', 'Field')}</th><th scope="col">${ctx.t('采集值', 'Value')}</th></tr></thead>
      <tbody>${Object.entries(record.data).map(([k, v]) => `<tr data-field="${escapeHtml(k)}"><th scope="row">${escapeHtml(registry ? fieldLabel(registry, k, zh) : k)}</th><td>${escapeHtml(fieldText(v, zh))}</td></tr>`).join('')}</tbody>
    </table>
    <form class="review" novalidate><div class="actions"></div></form>`;
  host.querySelectorAll<HTMLElement>('[data-unit]').forEach((el) => void ctx.unitName(el.dataset.unit!).then((n) => { el.textContent = n; }));
  const form = host.querySelector<HTMLFormElement>('form.review')!;
  const actions = form.querySelector<HTMLElement>('.actions')!;
  for (const action of collectionReviewActions(record.state, ctx.can('review-collections'))) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = action;
    button.className = action === 'approve' ? 'primary' : '';
    button.textContent = action === 'approve' ? ctx.t('审核通过', 'Approve') : ctx.t('驳回', 'Reject');
    button.addEventListener('click', () => void review(action));
    actions.append(button);
  }
  const opIds: Partial<Record<string, string>> = {};
  const review = async (action: 'approve' | 'reject') => {
    const question = action === 'approve'
      ? ctx.t('审核通过并写入信息库？', 'Approve and apply it to the registry?')
      : ctx.t('驳回这条采集记录？请填写驳回理由。', 'Reject this collection? Give the reason.');
    const note = await confirmAction(ctx, question);
    if (note === null) {
      return;
    }
    if (action === 'reject' && note === '') {
      showProblem(form, new ApiError(400, { title: ctx.t('驳回须填写理由', 'A rejection needs its reason'), errors: {} }), ctx);
      return;
    }
    opIds[action] ??= newOpId('review');
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await ctx.api.request('POST', `api/v1/collections/${encodeURIComponent(record.id)}/${action}`, { opId: opIds[action], note: note || undefined });
      await recordPage(host, ctx, record.id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // An ownership refusal (一数一源) keeps the record pending with the refusal on it: draw it again, then say why.
        await recordPage(host, ctx, record.id);
        const again = host.querySelector<HTMLFormElement>('form.review')!;
        showProblem(again, error, ctx);
        again.querySelector('.form-error')?.setAttribute('data-status', '409');
        return;
      }
      showProblem(form, error, ctx);
      form.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
  };
}

export const collectionsPage: ConsolePage = {
  path: 'collections',
  title: { zh: '采集审核', en: 'Collections' },
  permissions: ['review-collections'],
  async mount(host, ctx, route) {
    if (route.rest.length > 0) {
      await recordPage(host, ctx, route.rest.join('/'));
    } else {
      await listPage(host, ctx, route);
    }
  },
};
