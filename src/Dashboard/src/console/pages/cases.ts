import { ApiError } from '../../api';
import { echarts } from '../../charts';
import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { clearProblems, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import { subjectDeliveries } from './notifications';
import './cases.css';

// 事件: the case list (filtered and paged on the server, counts by stage from the unit's live counters), one case with
// its timeline, photos, map position, deadlines, 督办 and the actions the server says the caller may take now (`actions`
// of GET /api/v1/incidents/{id}), and the report form (上报). Codes are shown by name: categories, units, departments.

interface CaseRow {
  id: string;
  category: string;
  stage: string;
  unitCode: string;
  responsibleCode: string | null;
  overdue: boolean;
  reportedAt: string;
  stageDeadline: string | null;
  source?: string | null;
  /** A drill's case (演练): marked, left out of the KPIs. */
  drill?: boolean;
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
    reportedBy: string;
    pendingTransferTo: string | null;
    pendingExtensionMinutes: number | null;
    coHandlers: string[] | null;
    assignedWorker: string | null;
  };
  timeline: { seq: number; type: string; actor: string; at: string; action?: string | null; stage: string; note?: string | null }[];
  supervisions: { unitCode: string; at: string; level?: number; replyDue?: string | null; reply?: string | null }[];
  actions: string[];
}

interface Category { code: string; name: string }
interface Department { code: string; name: string; disabled?: boolean }
interface Photo { id: string; position: number; width: number; height: number; url: string }
interface Worker { id: string; name: string; gridCode: string }

/** The stages in the loop's order, with their names. */
export const caseStages: [string, string, string][] = [
  ['reported', '已上报', 'Reported'], ['accepted', '已受理', 'Accepted'], ['dispatched', '已派遣', 'Dispatched'],
  ['in-progress', '处置中', 'In progress'], ['handled', '待核查', 'Handled'], ['closed', '已结案', 'Closed'], ['cancelled', '已作废', 'Cancelled'],
];

/** The open stages' unit counters (GET /api/v1/units/{code}: every open case counts once, in its stage). */
const stageCounters: Record<string, string> = {
  reported: 'incidentsReported', accepted: 'incidentsAccepted', dispatched: 'incidentsDispatched', 'in-progress': 'incidentsInProgress', handled: 'incidentsHandled',
};

/** Where a case came from (`source` of its report). */
export const caseSources: [string, string, string][] = [
  ['operator', '值班员上报', 'Operator'], ['citizen', '市民（热线/平台）', 'Resident'], ['worker', '网格员上报', 'Grid worker'],
  ['device', '网格员终端', 'Worker device'], ['alert', '告警转事件', 'From an alert'],
];

/** The actions' names in the console, by the API's action name. */
export const caseActionNames: Record<string, [string, string]> = {
  accept: ['受理', 'Accept'], cancel: ['作废', 'Cancel case'], dispatch: ['派遣', 'Dispatch'], start: ['开始处置', 'Start'],
  feedback: ['反馈', 'Feed back'], 'verify-pass': ['核查通过', 'Verify: pass'], 'verify-fail': ['核查不通过', 'Verify: fail'],
  transfer: ['转办', 'Transfer'], 'accept-transfer': ['接收转办', 'Accept transfer'], 'reject-transfer': ['退回转办', 'Reject transfer'],
  'request-extension': ['申请延期', 'Request extension'], 'approve-extension': ['批准延期', 'Approve extension'],
  'reject-extension': ['驳回延期', 'Reject extension'], 'add-co-handler': ['增加协办', 'Add co-handler'],
  'remove-co-handler': ['移除协办', 'Remove co-handler'], assist: ['协办', 'Assist'],
  'dispatch-by-list': ['按权责清单派遣', 'Dispatch by the list'],
};

/** The timeline's events in words (the event types of docs/incidents.md). */
const eventNames: Record<string, [string, string]> = {
  'incident.reported': ['上报', 'Reported'], 'incident.stage-changed': ['阶段变更', 'Stage changed'],
  'incident.transfer-requested': ['申请转办', 'Transfer requested'], 'incident.transferred': ['转办完成', 'Transferred'],
  'incident.transfer-rejected': ['转办被退回', 'Transfer rejected'], 'incident.extension-requested': ['申请延期', 'Extension requested'],
  'incident.extension-rejected': ['延期被驳回', 'Extension rejected'], 'incident.extended': ['延期获批', 'Extended'],
  'incident.co-handler-added': ['增加协办单位', 'Co-handler added'], 'incident.co-handler-removed': ['移除协办单位', 'Co-handler removed'],
  'incident.assisted': ['协办', 'Assisted'], 'incident.overdue': ['超期', 'Overdue'], 'incident.reopened': ['市民重办', 'Reopened'],
};

/** Categories and departments change rarely: read once per console. */
let categories: Promise<Category[]> | null = null;
const departments = new Map<string, Promise<Department[]>>();

function categoryList(ctx: ConsoleContext): Promise<Category[]> {
  categories ??= ctx.api.request<{ items: Category[] }>('GET', 'api/v1/incident-categories').then((p) => p.items).catch(() => { categories = null; return []; });
  return categories;
}

function departmentList(ctx: ConsoleContext, unit: string): Promise<Department[]> {
  let list = departments.get(unit);
  if (!list) {
    list = ctx.api.request<{ items: Department[] }>('GET', `api/v1/departments?unit=${encodeURIComponent(unit)}`).then((p) => p.items).catch(() => []);
    departments.set(unit, list);
  }
  return list;
}

function stageName(ctx: ConsoleContext, stage: string): string {
  const found = caseStages.find(([s]) => s === stage);
  return found ? ctx.t(found[1], found[2]) : stage;
}

function sourceName(ctx: ConsoleContext, source: string | null | undefined): string {
  const found = caseSources.find(([s]) => s === source);
  return found ? ctx.t(found[1], found[2]) : (source ?? '—');
}

function actionName(ctx: ConsoleContext, action: string): string {
  return ctx.t(...(caseActionNames[action] ?? [action, action]));
}

/**
 * A unit's or a department's name: departments by the list of the district holding <paramref name="near"/> (a unit
 * within the caller's scope: the case's, or the caller's own), units by the console's name cache.
 */
async function nameOf(ctx: ConsoleContext, code: string | null | undefined, near: string): Promise<string> {
  if (!code) {
    return '—';
  }
  if (code.includes('-')) {
    return (await departmentList(ctx, near)).find((d) => d.code === code)?.name ?? code;
  }
  return ctx.unitName(code);
}

/** Fills every `[data-unit-code]` not yet named in host with its name (units and departments). */
async function nameUnits(host: HTMLElement, ctx: ConsoleContext): Promise<void> {
  const cells = [...host.querySelectorAll<HTMLElement>('[data-unit-code]:not([data-named])')];
  await Promise.all(cells.map(async (cell) => {
    cell.dataset.named = '';
    const code = cell.dataset.unitCode!;
    cell.textContent = await nameOf(ctx, code, ctx.me.unitCode);
  }));
}

/** A date (YYYY-MM-DD) as the start of that day in Asia/Shanghai; `next` moves it to the start of the next day. */
export function shanghaiDay(date: string | null, next = false): string | null {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    return null;
  }
  const day = new Date(`${date}T00:00:00+08:00`);
  if (next) {
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return day.toISOString();
}

async function list(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const q = (name: string) => route.query.get(name) || null;
  const unit = q('unit') ?? ctx.me.unitCode;
  host.innerHTML = `
    <div class="case-head"><h2>${ctx.t('事件', 'Cases')}</h2>
      ${ctx.can('report-incidents') ? `<a class="button" href="#/cases/new" data-action="report">${ctx.t('上报事件', 'Report a case')}</a>` : ''}</div>
    <nav class="case-counts" aria-label="${ctx.t('各阶段在办数', 'Open cases by stage')}"></nav>
    <div class="case-filters"></div><div class="case-list"></div>`;
  const [cats, depts, view] = await Promise.all([
    categoryList(ctx), departmentList(ctx, unit),
    ctx.api.unit(unit).catch(() => null),
  ]);
  // Counts by stage: the unit's live counters as the server rolls them up (not a count of the page below).
  const counts = host.querySelector<HTMLElement>('.case-counts')!;
  counts.innerHTML = view ? Object.entries(stageCounters).map(([stage, counter]) =>
    `<a href="#/cases?stage=${stage}${q('unit') ? `&unit=${unit}` : ''}" data-stage="${stage}" data-count="${view.counters[counter] ?? 0}"${q('stage') === stage ? ' aria-current="true"' : ''}>
      <span>${escapeHtml(stageName(ctx, stage))}</span><strong>${view.counters[counter] ?? 0}</strong></a>`).join('')
    + `<a href="#/cases?overdue=true" data-stage="overdue" data-count="${view.counters.incidentsOverdue ?? 0}"><span>${ctx.t('超期', 'Overdue')}</span><strong>${view.counters.incidentsOverdue ?? 0}</strong></a>`
    : '';
  const responsible: [string, string][] = [
    ['', ctx.t('全部', 'All')],
    ...(view ? [[view.code, view.name] as [string, string], ...view.children.map((c): [string, string] => [c.code, c.name])] : []),
    ...depts.filter((d) => !d.disabled).map((d): [string, string] => [d.code, d.name]),
  ];
  host.querySelector('.case-filters')!.append(filterBar(ctx, route, [
    { name: 'stage', label: ctx.t('阶段', 'Stage'), options: [['', ctx.t('全部', 'All')], ...caseStages.map(([s, zh, en]): [string, string] => [s, ctx.t(zh, en)])] },
    { name: 'category', label: ctx.t('类别', 'Category'), options: [['', ctx.t('全部', 'All')], ...cats.map((c): [string, string] => [c.code, c.name])] },
    { name: 'overdue', label: ctx.t('超期', 'Overdue'), options: [['', ctx.t('全部', 'All')], ['true', ctx.t('超期', 'Overdue')], ['false', ctx.t('未超期', 'On time')]] },
    { name: 'responsible', label: ctx.t('责任单位', 'Responsible'), options: responsible },
    { name: 'source', label: ctx.t('来源', 'Source'), options: [['', ctx.t('全部', 'All')], ...caseSources.map(([s, zh, en]): [string, string] => [s, ctx.t(zh, en)])] },
    { name: 'from', label: ctx.t('上报自', 'Reported from'), type: 'date' },
    { name: 'to', label: ctx.t('至', 'to'), type: 'date' },
  ]));
  const categoryNames = new Map(cats.map((c) => [c.code, c.name]));
  const table = host.querySelector<HTMLElement>('.case-list')!;
  await pagedTable<CaseRow>(table, ctx, {
    path: 'api/v1/incidents',
    query: {
      unit, stage: q('stage'), category: q('category'), overdue: q('overdue'), responsible: q('responsible'), source: q('source'),
      from: shanghaiDay(q('from')), to: shanghaiDay(q('to'), true),
    },
    id: (c) => c.id,
    open: (c) => ctx.navigate(`cases/${c.id}`),
    loaded: () => void nameUnits(table, ctx),
    columns: [
      { title: ctx.t('编号', 'Case'), cell: (c) => escapeHtml(c.id) + (c.drill ? ` <span class="drill-mark">${ctx.t('演练', 'DRILL')}</span>` : '') },
      { title: ctx.t('类别', 'Category'), cell: (c) => `<span data-category="${escapeHtml(c.category)}">${escapeHtml(categoryNames.get(c.category) ?? c.category)}</span>` },
      { title: ctx.t('阶段', 'Stage'), cell: (c) => `<span data-stage="${escapeHtml(c.stage)}">${escapeHtml(stageName(ctx, c.stage))}</span>` },
      { title: ctx.t('所在单元', 'Unit'), cell: (c) => `<span data-unit-code="${escapeHtml(c.unitCode)}">${escapeHtml(c.unitCode)}</span>` },
      { title: ctx.t('责任单位', 'Responsible'), cell: (c) => (c.responsibleCode ? `<span data-unit-code="${escapeHtml(c.responsibleCode)}">${escapeHtml(c.responsibleCode)}</span>` : '—') },
      { title: ctx.t('来源', 'Source'), cell: (c) => escapeHtml(sourceName(ctx, c.source)) },
      { title: ctx.t('超期', 'Overdue'), cell: (c) => (c.overdue ? `<strong class="overdue">${ctx.t('是', 'yes')}</strong>` : '') },
      { title: ctx.t('上报时间', 'Reported'), cell: (c) => escapeHtml(formatTime(c.reportedAt, ctx.language)) },
    ],
  });
}

/**
 * The case's grid (highlighted) among its community's grids, with the case as a point when it has coordinates (the map
 * the wall screen draws, a level further down); a case reported by grid shows its grid only.
 */
async function caseMap(el: HTMLElement, ctx: ConsoleContext, unitCode: string, unitName: string, lat: number | null, lon: number | null): Promise<() => void> {
  const area = unitCode.length > 12 ? unitCode.slice(0, 12) : unitCode;
  const map = await ctx.api.unitMap(area).catch(() => null);
  const name = `case-${area}`;
  const geo = map && map.features.length > 0;
  if (geo) {
    echarts.registerMap(name, map as never);
  }
  const chart = echarts.init(el, undefined, { renderer: 'canvas' });
  chart.setOption({
    ...(geo ? {
      geo: {
        map: name, roam: true, label: { show: true, fontSize: 10, color: '#51627a' },
        itemStyle: { areaColor: '#eef3f8', borderColor: '#7a8ca3' }, emphasis: { disabled: true },
        regions: [{ name: unitName, itemStyle: { areaColor: '#8fb6e8' } }],
      },
    } : { xAxis: { type: 'value', scale: true }, yAxis: { type: 'value', scale: true } }),
    series: [{
      type: 'scatter', coordinateSystem: geo ? 'geo' : 'cartesian2d', symbolSize: 16, itemStyle: { color: '#e5484d' },
      data: lat != null && lon != null ? [{ name: ctx.t('事件位置', 'Case'), value: [lon, lat] }] : [],
    }],
  });
  if (lat != null && lon != null) {
    el.dataset.lat = String(lat);
    el.dataset.lon = String(lon);
  }
  return () => chart.dispose();
}

/**
 * The case page. `taken`: the action just taken on it — after which a 404 means the action took the case out of the
 * caller's sight (a transfer they rejected, or accepted for a department), which the page says instead of "no such case".
 */
async function detail(host: HTMLElement, ctx: ConsoleContext, id: string, taken?: string): Promise<void | (() => void)> {
  let c: CaseDetail;
  try {
    c = await ctx.api.request<CaseDetail>('GET', `api/v1/incidents/${encodeURIComponent(id)}`);
  } catch (error) {
    const gone = error instanceof ApiError && error.status === 404;
    host.innerHTML = gone && taken
      ? `<p><a href="#/cases">${ctx.t('← 事件列表', '← Cases')}</a></p>
        <p class="case-gone" role="status" data-action-taken="${escapeHtml(taken)}">${escapeHtml(ctx.t(`已${actionName(ctx, taken)}：此事件已不在本单位范围内。`, `${actionName(ctx, taken)}: done; the case is no longer within your unit.`))}</p>`
      : `<p class="error" role="alert">${escapeHtml(gone ? ctx.t('没有此事件', 'No such case') : String(error))}</p>`;
    return;
  }
  const i = c.incident;
  const district = i.unitCode;   // departments: those of the district holding the case
  const time = (iso: string | null | undefined) => (iso ? escapeHtml(formatTime(iso, ctx.language)) : '—');
  const [cats, photos, unitName, responsibleName, pendingName, coNames] = await Promise.all([
    categoryList(ctx),
    ctx.api.request<Photo[]>('GET', `api/v1/incidents/${encodeURIComponent(id)}/photos`).catch(() => [] as Photo[]),
    nameOf(ctx, i.unitCode, district), nameOf(ctx, i.responsibleCode, district), nameOf(ctx, i.pendingTransferTo, district),
    Promise.all((i.coHandlers ?? []).map((code) => nameOf(ctx, code, district))),
  ]);
  const category = cats.find((k) => k.code === i.category)?.name ?? i.category;
  const timelineLine = (t: CaseDetail['timeline'][number]) => {
    const event = eventNames[t.type];
    const what = t.action && caseActionNames[t.action] ? actionName(ctx, t.action) : event ? ctx.t(...event) : t.type;
    return `<li data-type="${escapeHtml(t.type)}"${t.action ? ` data-action-taken="${escapeHtml(t.action)}"` : ''}>${time(t.at)} <strong>${escapeHtml(what)}</strong>`
      + ` → ${escapeHtml(stageName(ctx, t.stage))} · ${escapeHtml(t.actor)}${t.note ? ` — ${escapeHtml(t.note)}` : ''}</li>`;
  };
  host.innerHTML = `
    <p><a href="#/cases">${ctx.t('← 事件列表', '← Cases')}</a></p>
    <h2 class="case-title" data-id="${escapeHtml(i.id)}">${escapeHtml(i.id)} <span class="case-stage" data-stage="${escapeHtml(i.stage)}">${escapeHtml(stageName(ctx, i.stage))}</span>${i.drill ? ` <span class="drill-mark">${ctx.t('演练', 'DRILL')}</span>` : ''}</h2>
    <p class="case-description">${escapeHtml(i.description)}</p>
    <div class="case-body">
      <dl class="case-facts">
        <div><dt>${ctx.t('类别', 'Category')}</dt><dd class="case-category" data-category="${escapeHtml(i.category)}">${escapeHtml(category)}</dd></div>
        <div><dt>${ctx.t('紧急程度', 'Urgency')}</dt><dd>${i.urgency === 'urgent' ? ctx.t('紧急', 'Urgent') : ctx.t('一般', 'Normal')}</dd></div>
        <div><dt>${ctx.t('所在单元', 'Unit')}</dt><dd class="case-unit" data-unit="${escapeHtml(i.unitCode)}">${escapeHtml(unitName)}</dd></div>
        <div><dt>${ctx.t('责任单位（主办）', 'Responsible (lead)')}</dt><dd class="case-responsible" data-unit="${escapeHtml(i.responsibleCode ?? '')}">${escapeHtml(responsibleName)}</dd></div>
        ${i.pendingTransferTo ? `<div><dt>${ctx.t('待接收转办', 'Transfer pending to')}</dt><dd class="case-pending">${escapeHtml(pendingName)}</dd></div>` : ''}
        ${coNames.length ? `<div><dt>${ctx.t('协办单位', 'Co-handlers')}</dt><dd class="case-co-handlers">${coNames.map(escapeHtml).join('、')}</dd></div>` : ''}
        ${i.assignedWorker ? `<div><dt>${ctx.t('指派网格员', 'Assigned worker')}</dt><dd>${escapeHtml(i.assignedWorker)}</dd></div>` : ''}
        <div><dt>${ctx.t('来源', 'Source')}</dt><dd class="case-source">${escapeHtml(sourceName(ctx, i.source))} · ${escapeHtml(i.reportedBy)}</dd></div>
        <div><dt>${ctx.t('上报时间', 'Reported')}</dt><dd>${time(i.reportedAt)}</dd></div>
        <div><dt>${ctx.t('阶段时限', 'Stage deadline')}</dt><dd>${time(i.stageDeadline)}${i.overdue ? ` <strong class="overdue">${ctx.t('超期', 'overdue')}</strong>` : ''}</dd></div>
        <div><dt>${ctx.t('处置时限', 'Due')}</dt><dd>${time(i.dueAt)}</dd></div>
        ${i.pendingExtensionMinutes ? `<div><dt>${ctx.t('申请延期', 'Extension asked')}</dt><dd>${i.pendingExtensionMinutes} ${ctx.t('分钟', 'min')}</dd></div>` : ''}
        <div><dt>${ctx.t('结案时间', 'Closed')}</dt><dd>${time(i.closedAt)}</dd></div>
        ${i.alertId ? `<div><dt>${ctx.t('来自告警', 'From alert')}</dt><dd><a class="case-alert" data-id="${escapeHtml(i.alertId)}" href="#/alerts/${encodeURIComponent(i.alertId)}">${escapeHtml(i.alertId)}</a></dd></div>` : ''}
      </dl>
      <figure class="case-map-box">
        <div class="case-map" aria-label="${ctx.t('事件位置', 'Position')}"></div>
        <figcaption>${i.lat != null && i.lon != null ? `${i.lat.toFixed(5)}, ${i.lon.toFixed(5)}` : `${escapeHtml(unitName)} · ${ctx.t('按网格上报，无坐标', 'reported by grid, no coordinates')}`}</figcaption>
      </figure>
    </div>
    <div class="case-actions">${c.actions.map((a) => `<button type="button" data-action="${escapeHtml(a)}">${escapeHtml(actionName(ctx, a))}</button>`).join('')}${c.actions.includes('dispatch') ? `<button type="button" data-action="dispatch-by-list">${escapeHtml(actionName(ctx, 'dispatch-by-list'))}</button>` : ''}</div>
    <h3>${ctx.t('照片', 'Photos')}</h3>
    ${photos.length ? `<ul class="case-photos">${photos.map((p) => `<li data-id="${escapeHtml(p.id)}"><a href="${escapeHtml(p.url)}" target="_blank" rel="noopener"><img src="${escapeHtml(p.url)}" alt="${ctx.t('事件照片', 'Photo')} ${p.position + 1}" width="${Math.round(160 * p.width / Math.max(p.width, p.height))}" height="${Math.round(160 * p.height / Math.max(p.width, p.height))}" loading="lazy" /></a></li>`).join('')}</ul>` : `<p class="case-no-photos">${ctx.t('无', 'None')}</p>`}
    <h3>${ctx.t('督办', 'Supervision')}</h3>
    ${c.supervisions.length ? `<ul class="case-supervisions">${c.supervisions.map((s) => `<li>${time(s.at)} <span data-unit-code="${escapeHtml(s.unitCode)}">${escapeHtml(s.unitCode)}</span>${s.replyDue ? ` · ${ctx.t('回复时限', 'reply due')} ${time(s.replyDue)}` : ''}${s.reply ? ` — ${escapeHtml(s.reply)}` : ''}</li>`).join('')}</ul>` : `<p>${ctx.t('无', 'None')}</p>`}
    <h3>${ctx.t('时间线', 'Timeline')}</h3>
    <ol class="case-timeline">${c.timeline.map(timelineLine).join('')}</ol>
    <section class="case-deliveries" hidden></section>`;
  void subjectDeliveries(host.querySelector<HTMLElement>('.case-deliveries')!, ctx, `api/v1/incidents/${encodeURIComponent(id)}/notifications`);
  void nameUnits(host, ctx);
  // The controls listen before the map is drawn: a press while the map's data is still loading is not lost.
  let disposeMap: (() => void) | undefined;
  const actions = host.querySelector<HTMLElement>('.case-actions')!;
  actions.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) {
      return;
    }
    const action = button.dataset.action!;
    const values = await actionDialog(ctx, action, c);
    if (values === null) {
      return;
    }
    button.disabled = true;
    if (action === 'dispatch-by-list') {
      // 权责清单: dispatch to the listed department in one step (docs/supervision.md).
      try {
        await ctx.api.request('POST', `api/v1/incidents/${encodeURIComponent(i.id)}/dispatch-by-list`, { opId: newOpId(action), note: values.note || null });
        disposeMap?.();
        await detail(host, ctx, id);
      } catch (error) {
        showProblem(actions, error, ctx);
        button.disabled = false;
      }
      return;
    }
    try {
      await ctx.api.request('POST', `api/v1/incidents/${encodeURIComponent(i.id)}/actions`, actionBody({ opId: newOpId(action), action, ...values }));
      disposeMap?.();
      await detail(host, ctx, id, action);
    } catch (error) {
      showProblem(actions, error, ctx);
      button.disabled = false;
    }
  });
  const mapEl = host.querySelector<HTMLElement>('.case-map');
  disposeMap = mapEl ? await caseMap(mapEl, ctx, i.unitCode, unitName, i.lat, i.lon) : undefined;
  return () => disposeMap?.();
}

/** An action's body: JSON, or a form when it carries photos (`media`, 反馈 with photos). */
function actionBody(values: Record<string, unknown>): Record<string, unknown> | FormData {
  const media = values.media as File[] | undefined;
  if (!media || media.length === 0) {
    return values;
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(values)) {
    if (name !== 'media' && value !== null && value !== undefined) {
      form.append(name, String(value));
    }
  }
  for (const file of media) {
    form.append('media', file, file.name);
  }
  return form;
}

/** What an action asks for beside its note: a target picked from lists, a worker, minutes. */
async function targetFields(ctx: ConsoleContext, action: string, c: CaseDetail): Promise<string> {
  const i = c.incident;
  const district = i.unitCode;   // departments: those of the district holding the case
  const option = (code: string, name: string, selected = false) => `<option value="${escapeHtml(code)}"${selected ? ' selected' : ''}>${escapeHtml(name)}</option>`;
  const depts = (await departmentList(ctx, district)).filter((d) => !d.disabled);
  const deptGroup = depts.length ? `<optgroup label="${ctx.t('职能部门', 'Departments')}">${depts.map((d) => option(d.code, d.name)).join('')}</optgroup>` : '';
  // The units the caller may name: the case's own units (grid, community, street) within the caller's scope, and those below the caller's unit.
  const units = async () => {
    const own = [i.unitCode.slice(0, 9), i.unitCode.slice(0, 12), i.unitCode].filter((code, n, all) => code.length >= 9 && all.indexOf(code) === n && code.startsWith(ctx.me.unitCode.slice(0, Math.min(code.length, ctx.me.unitCode.length))));
    const mine = await ctx.api.unit(ctx.me.unitCode).catch(() => null);
    const named = await Promise.all(own.map(async (code) => [code, await ctx.unitName(code)] as [string, string]));
    const children = (mine?.children ?? []).map((k): [string, string] => [k.code, k.name]);
    const seen = new Set<string>();
    return [...named, ...children].filter(([code]) => !seen.has(code) && (seen.add(code), true));
  };
  switch (action) {
    case 'dispatch': {
      const community = i.unitCode.slice(0, 12);
      const list = await units();
      return `<label>${ctx.t('派遣至', 'Dispatch to')}<select name="unitCode" data-field="unitCode">
          ${list.map(([code, name]) => option(code, name, code === community)).join('')}${deptGroup}</select></label>
        <label>${ctx.t('指派网格员（可选）', 'Grid worker (optional)')}<select name="workerId" data-field="workerId"><option value="">${ctx.t('不指定', 'None')}</option></select></label>`;
    }
    case 'transfer': {
      const list = (await units()).filter(([code]) => code !== i.unitCode && code !== i.responsibleCode);
      return `<label>${ctx.t('转办至', 'Transfer to')}<select name="unitCode" data-field="unitCode">
          ${list.map(([code, name]) => option(code, name)).join('')}${deptGroup}</select></label>
        <label>${ctx.t('或输入其他单位编码（跨街道、跨区）', 'Or another unit\'s code (another street or district)')}<input name="otherUnitCode" inputmode="numeric" pattern="[0-9]{6,15}" /></label>`;
    }
    case 'add-co-handler': {
      const list = (await units()).filter(([code]) => !(i.coHandlers ?? []).includes(code) && code !== i.responsibleCode);
      return `<label>${ctx.t('协办单位', 'Co-handler')}<select name="unitCode" data-field="unitCode">${list.map(([code, name]) => option(code, name)).join('')}${deptGroup}</select></label>`;
    }
    case 'remove-co-handler': {
      const names = await Promise.all((i.coHandlers ?? []).map(async (code) => [code, await nameOf(ctx, code, district)] as [string, string]));
      return `<label>${ctx.t('协办单位', 'Co-handler')}<select name="unitCode" data-field="unitCode">${names.map(([code, name]) => option(code, name)).join('')}</select></label>`;
    }
    case 'feedback':
      // 反馈 with photos (at most 3; the server re-encodes them without their metadata).
      return `<label>${ctx.t('处置照片（可选，最多 3 张）', 'Photos (optional, up to 3)')}<input name="media" data-field="media" type="file" accept="image/jpeg,image/png,image/webp" multiple /></label>`;
    case 'request-extension':
      return `<label>${ctx.t('延期（小时）', 'Extension (hours)')}<input name="extensionHours" data-field="extensionMinutes" type="number" min="1" max="720" value="24" required /></label>`;
    default:
      return '';
  }
}

/**
 * Asks before an action: a modal dialog (class `confirm`, data-action confirm|cancel, as forms.confirmAction) with the
 * action's own fields and a note. Resolves with the action's body beside opId and action, or null when cancelled.
 * The server's problem for a field shows at that field when the POST fails.
 */
async function actionDialog(ctx: ConsoleContext, action: string, c: CaseDetail): Promise<Record<string, unknown> | null> {
  const fields = await targetFields(ctx, action, c);
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'confirm case-action';
    dialog.dataset.for = action;
    dialog.innerHTML = `
      <form method="dialog">
        <p>${escapeHtml(`${actionName(ctx, action)} ${c.incident.id}?`)}</p>
        ${fields}
        <label>${ctx.t('备注', 'Note')}<textarea name="note" rows="3" maxlength="2000"></textarea></label>
        <menu>
          <button value="cancel" type="button" data-action="cancel">${ctx.t('取消', 'Cancel')}</button>
          <button value="ok" data-action="confirm" autofocus>${ctx.t('确定', 'Confirm')}</button>
        </menu>
      </form>`;
    document.body.append(dialog);
    const form = dialog.querySelector('form')!;
    const unitSelect = form.querySelector<HTMLSelectElement>('select[name=unitCode]');
    const workerSelect = form.querySelector<HTMLSelectElement>('select[name=workerId]');
    if (unitSelect && workerSelect) {
      // A dispatch may name a grid worker of the unit it goes to (never of a department).
      const loadWorkers = async () => {
        const unit = unitSelect.value;
        workerSelect.length = 1;
        if (unit.includes('-')) {
          return;
        }
        const workers = await ctx.api.request<{ items: Worker[] }>('GET', `api/v1/workers?unit=${encodeURIComponent(unit)}&limit=200`).catch(() => ({ items: [] as Worker[] }));
        for (const w of workers.items) {
          workerSelect.add(new Option(`${w.name} · ${w.id}`, w.id));
        }
      };
      unitSelect.addEventListener('change', () => void loadWorkers());
      void loadWorkers();
    }
    const finish = (value: Record<string, unknown> | null) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    dialog.querySelector('[data-action=cancel]')!.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', () => finish(null));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearProblems(form);
      const v = formValues(form);
      const body: Record<string, unknown> = { note: v.note ?? null };
      const unitCode = v.otherUnitCode ?? v.unitCode;
      if (unitCode) {
        body.unitCode = unitCode;
      }
      if (v.workerId) {
        body.workerId = v.workerId;
      }
      if (v.extensionHours) {
        body.extensionMinutes = Math.round(Number(v.extensionHours) * 60);
      }
      const files = form.querySelector<HTMLInputElement>('input[name=media]')?.files;
      if (files && files.length > 0) {
        body.media = Array.from(files).slice(0, 3);
      }
      finish(body);
    });
    dialog.showModal();
  });
}

/** 上报: a case reported by the operator, in a grid of their area (or at coordinates), with its category and urgency. */
async function reportForm(host: HTMLElement, ctx: ConsoleContext): Promise<void> {
  const cats = await categoryList(ctx);
  host.innerHTML = `
    <p><a href="#/cases">${ctx.t('← 事件列表', '← Cases')}</a></p>
    <h2>${ctx.t('上报事件', 'Report a case')}</h2>
    <form class="case-report form-grid">
      <label>${ctx.t('类别', 'Category')}<select name="category" required>${cats.map((c) => `<option value="${escapeHtml(c.code)}">${escapeHtml(c.name)}</option>`).join('')}</select></label>
      <label>${ctx.t('紧急程度', 'Urgency')}<select name="urgency"><option value="normal">${ctx.t('一般', 'Normal')}</option><option value="urgent">${ctx.t('紧急', 'Urgent')}</option></select></label>
      <label>${ctx.t('网格', 'Grid')}<select name="gridCode" data-field="gridCode"><option value="">${ctx.t('按坐标定位', 'By coordinates')}</option></select></label>
      <label>${ctx.t('纬度', 'Latitude')}<input name="lat" type="number" step="0.000001" min="-90" max="90" /></label>
      <label>${ctx.t('经度', 'Longitude')}<input name="lon" type="number" step="0.000001" min="-180" max="180" /></label>
      <label class="wide">${ctx.t('描述', 'Description')}<textarea name="description" rows="4" maxlength="2000" required></textarea></label>
      <div class="wide"><button type="submit" data-action="report">${ctx.t('上报', 'Report')}</button></div>
    </form>`;
  const form = host.querySelector<HTMLFormElement>('form.case-report')!;
  const grids = form.querySelector<HTMLSelectElement>('select[name=gridCode]')!;
  // The grids of the caller's area, down from their unit (a street: its communities' grids).
  void (async () => {
    const mine = await ctx.api.unit(ctx.me.unitCode).catch(() => null);
    if (!mine) {
      return;
    }
    const communities = mine.level === 'community' ? [mine] : mine.level === 'street' ? await Promise.all(mine.children.slice(0, 30).map((k) => ctx.api.unit(k.code).catch(() => null))) : [];
    for (const community of communities) {
      for (const grid of community?.children ?? []) {
        grids.add(new Option(`${community!.name} · ${grid.name}`, grid.code));
      }
    }
    if (mine.level === 'grid') {
      grids.add(new Option(mine.name, mine.code, true, true));
    }
  })();
  // The operation is one press: a retry after a network failure sends the same opId, and the server answers the first case.
  let opId = newOpId('report');
  let sent = '';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const v = formValues(form);
    const body: Record<string, unknown> = { category: v.category, urgency: v.urgency, description: v.description ?? '' };
    if (v.gridCode) {
      body.gridCode = v.gridCode;
    } else {
      body.lat = v.lat === undefined ? null : Number(v.lat);
      body.lon = v.lon === undefined ? null : Number(v.lon);
    }
    const key = JSON.stringify(body);
    if (key !== sent) {
      opId = newOpId('report');
      sent = key;
    }
    const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submit.disabled = true;
    try {
      const answer = await ctx.api.request<{ id: string }>('POST', 'api/v1/incidents', { opId, ...body });
      ctx.navigate(`cases/${answer.id}`);
    } catch (error) {
      showProblem(form, error, ctx);
      submit.disabled = false;
    }
  });
}

/** 事件: the case list, the case page and the report form. */
export const casesPage: ConsolePage = {
  path: 'cases',
  title: { zh: '事件', en: 'Cases' },
  permissions: ['read-cases'],
  mount: (host, ctx, route) =>
    route.rest[0] === 'new' ? reportForm(host, ctx) : route.rest[0] ? detail(host, ctx, route.rest[0]) : list(host, ctx, route),
};
