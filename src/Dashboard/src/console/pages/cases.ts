import { ApiError } from '../../api';
import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import './cases.css';

// 事件: the case list (filtered and paged on the server) and one case with its timeline, deadlines, 督办 and the
// actions the server says the caller may take now (`actions` of GET /api/v1/incidents/{id}).

interface CaseRow {
  id: string;
  category: string;
  stage: string;
  unitCode: string;
  responsibleCode: string | null;
  overdue: boolean;
  reportedAt: string;
  stageDeadline: string | null;
}

interface CaseDetail {
  incident: CaseRow & {
    description: string;
    urgency: string;
    dueAt: string | null;
    closedAt: string | null;
    lat: number | null;
    lon: number | null;
    alertId: string | null;
    pendingTransferTo: string | null;
    pendingExtensionMinutes: number | null;
    coHandlers: string[] | null;
    assignedWorker: string | null;
  };
  timeline: { type: string; actor: string; at: string; note?: string | null; payload?: { lastStep?: { note?: string | null } } }[];
  supervisions: { unitCode: string; at: string; level?: number; replyDue?: string | null; reply?: string | null }[];
  actions: string[];
}

/** The stages in the loop's order, with their names. */
export const caseStages: [string, string, string][] = [
  ['reported', '已上报', 'Reported'], ['accepted', '已受理', 'Accepted'], ['dispatched', '已派遣', 'Dispatched'],
  ['in-progress', '处置中', 'In progress'], ['handled', '待核查', 'Handled'], ['closed', '已结案', 'Closed'], ['cancelled', '已作废', 'Cancelled'],
];

/** The actions' names in the console, by the API's action name. */
export const caseActionNames: Record<string, [string, string]> = {
  accept: ['受理', 'Accept'], cancel: ['作废', 'Cancel case'], dispatch: ['派遣', 'Dispatch'], start: ['开始处置', 'Start'],
  feedback: ['反馈', 'Feed back'], 'verify-pass': ['核查通过', 'Verify: pass'], 'verify-fail': ['核查不通过', 'Verify: fail'],
  transfer: ['转办', 'Transfer'], 'accept-transfer': ['接收转办', 'Accept transfer'], 'reject-transfer': ['退回转办', 'Reject transfer'],
  'request-extension': ['申请延期', 'Request extension'], 'approve-extension': ['批准延期', 'Approve extension'],
  'reject-extension': ['驳回延期', 'Reject extension'], 'add-co-handler': ['增加协办', 'Add co-handler'],
  'remove-co-handler': ['移除协办', 'Remove co-handler'], assist: ['协办', 'Assist'],
};

/** The actions that name a unit or department (`unitCode`). */
const namesUnit = new Set(['transfer', 'add-co-handler', 'remove-co-handler']);

function stageName(ctx: ConsoleContext, stage: string): string {
  const found = caseStages.find(([s]) => s === stage);
  return found ? ctx.t(found[1], found[2]) : stage;
}

async function list(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  host.innerHTML = `<h2>${ctx.t('事件', 'Cases')}</h2><div class="case-filters"></div><div class="case-list"></div>`;
  host.querySelector('.case-filters')!.append(filterBar(ctx, route, [
    { name: 'stage', label: ctx.t('阶段', 'Stage'), options: [['', ctx.t('全部', 'All')], ...caseStages.map(([s, zh, en]): [string, string] => [s, ctx.t(zh, en)])] },
    { name: 'category', label: ctx.t('类别', 'Category'), type: 'text' },
    { name: 'overdue', label: ctx.t('超期', 'Overdue'), options: [['', ctx.t('全部', 'All')], ['true', ctx.t('超期', 'Overdue')], ['false', ctx.t('未超期', 'On time')]] },
    { name: 'responsible', label: ctx.t('责任单位', 'Responsible'), type: 'text' },
  ]));
  const q = (name: string) => route.query.get(name) || null;
  await pagedTable<CaseRow>(host.querySelector('.case-list')!, ctx, {
    path: 'api/v1/incidents',
    query: { unit: q('unit') ?? ctx.me.unitCode, stage: q('stage'), category: q('category'), overdue: q('overdue'), responsible: q('responsible') },
    id: (c) => c.id,
    open: (c) => ctx.navigate(`cases/${c.id}`),
    columns: [
      { title: ctx.t('编号', 'Case'), cell: (c) => escapeHtml(c.id) },
      { title: ctx.t('类别', 'Category'), cell: (c) => escapeHtml(c.category) },
      { title: ctx.t('阶段', 'Stage'), cell: (c) => `<span data-stage="${escapeHtml(c.stage)}">${escapeHtml(stageName(ctx, c.stage))}</span>` },
      { title: ctx.t('所在单元', 'Unit'), cell: (c) => escapeHtml(c.unitCode) },
      { title: ctx.t('超期', 'Overdue'), cell: (c) => (c.overdue ? ctx.t('是', 'yes') : '') },
      { title: ctx.t('上报时间', 'Reported'), cell: (c) => escapeHtml(formatTime(c.reportedAt, ctx.language)) },
    ],
  });
}

async function detail(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  let c: CaseDetail;
  try {
    c = await ctx.api.request<CaseDetail>('GET', `api/v1/incidents/${encodeURIComponent(id)}`);
  } catch (error) {
    host.innerHTML = `<p class="error" role="alert">${escapeHtml(error instanceof ApiError && error.status === 404 ? ctx.t('没有此事件', 'No such case') : String(error))}</p>`;
    return;
  }
  const i = c.incident;
  const time = (iso: string | null) => (iso ? escapeHtml(formatTime(iso, ctx.language)) : '—');
  const unitName = await ctx.unitName(i.unitCode);
  host.innerHTML = `
    <p><a href="#/cases">${ctx.t('← 事件列表', '← Cases')}</a></p>
    <h2 class="case-title" data-id="${escapeHtml(i.id)}">${escapeHtml(i.id)} <span class="case-stage" data-stage="${escapeHtml(i.stage)}">${escapeHtml(stageName(ctx, i.stage))}</span></h2>
    <p class="case-description">${escapeHtml(i.description)}</p>
    <dl class="case-facts">
      <div><dt>${ctx.t('类别', 'Category')}</dt><dd>${escapeHtml(i.category)}</dd></div>
      <div><dt>${ctx.t('所在单元', 'Unit')}</dt><dd>${escapeHtml(unitName)}</dd></div>
      <div><dt>${ctx.t('责任单位', 'Responsible')}</dt><dd>${escapeHtml(i.responsibleCode ?? '—')}</dd></div>
      <div><dt>${ctx.t('位置', 'Position')}</dt><dd>${i.lat != null && i.lon != null ? `${i.lat.toFixed(5)}, ${i.lon.toFixed(5)}` : '—'}</dd></div>
      <div><dt>${ctx.t('阶段时限', 'Stage deadline')}</dt><dd>${time(i.stageDeadline)}${i.overdue ? ` <strong class="overdue">${ctx.t('超期', 'overdue')}</strong>` : ''}</dd></div>
      <div><dt>${ctx.t('处置时限', 'Due')}</dt><dd>${time(i.dueAt)}</dd></div>
      <div><dt>${ctx.t('结案时间', 'Closed')}</dt><dd>${time(i.closedAt)}</dd></div>
    </dl>
    <div class="case-actions">${c.actions.map((a) => `<button type="button" data-action="${escapeHtml(a)}">${escapeHtml(ctx.t(...(caseActionNames[a] ?? [a, a])))}</button>`).join('')}</div>
    <h3>${ctx.t('督办', 'Supervision')}</h3>
    ${c.supervisions.length ? `<ul class="case-supervisions">${c.supervisions.map((s) => `<li>${time(s.at)} ${escapeHtml(s.unitCode)}${s.reply ? ` — ${escapeHtml(s.reply)}` : ''}</li>`).join('')}</ul>` : `<p>${ctx.t('无', 'None')}</p>`}
    <h3>${ctx.t('时间线', 'Timeline')}</h3>
    <ol class="case-timeline">${c.timeline.map((t) => `<li data-type="${escapeHtml(t.type)}">${time(t.at)} ${escapeHtml(t.type)} · ${escapeHtml(t.actor)}${t.payload?.lastStep?.note ? ` — ${escapeHtml(t.payload.lastStep.note)}` : ''}</li>`).join('')}</ol>`;
  const actions = host.querySelector<HTMLElement>('.case-actions')!;
  actions.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) {
      return;
    }
    const action = button.dataset.action!;
    const note = await confirmAction(ctx, `${ctx.t(...(caseActionNames[action] ?? [action, action]))} ${i.id}?`);
    if (note === null) {
      return;
    }
    let unitCode: string | null = null;
    if (namesUnit.has(action)) {
      unitCode = window.prompt(ctx.t('单位或部门编码', 'Unit or department code'))?.trim() || null;
      if (!unitCode) {
        return;
      }
    }
    button.disabled = true;
    try {
      await ctx.api.request('POST', `api/v1/incidents/${encodeURIComponent(i.id)}/actions`, { opId: newOpId(action), action, note: note || null, unitCode });
      await detail(host, ctx, id);
    } catch (error) {
      showProblem(actions, error, ctx);
      button.disabled = false;
    }
  });
}

/** 事件: the case list and the case page. */
export const casesPage: ConsolePage = {
  path: 'cases',
  title: { zh: '事件', en: 'Cases' },
  permissions: ['read-cases'],
  mount: (host, ctx, route) => (route.rest[0] ? detail(host, ctx, route.rest[0]) : list(host, ctx, route)),
};
