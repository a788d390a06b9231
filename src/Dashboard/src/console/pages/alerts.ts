import { ApiError } from '../../api';
import type { Envelope } from '../../cursor';
import { escapeHtml } from '../../dom';
import { ScreenLink, type LinkState } from '../../link';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { clearProblems, confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import {
  type AlertDetail, type AlertFilters, type AlertItem, type RuleSummary, alertActions, alertQuery, alertStates, caseOpenedFrom, cityLocal, cityTime, dateTime,
  escalationLevels, isProtectedAlert, matchesFilters, replyTarget, severities, supervisionReasons,
} from './alerts-model';
import { subjectDeliveries } from './notifications';
import { PageNames } from './page-names';
import { unitPicker } from './unit-picker';
import './alerts.css';

// 告警: the live alert feed of the caller's area — filtered and paged on the server (state, severity, unit picked by name, rule,
// period), units and subjects by name, kept live by the wall screen's hub link (../../link.ts) — and one alert with its
// history, its 督办 and the controls the caller's role may use on it: 签收 (acknowledge), 解除 (resolve), 回复督办 (reply),
// 静默 (silence, with the protected rules' limits), 转为事件 (open a case from it: POST /api/v1/incidents with alertId).

function stateBadge(ctx: ConsoleContext, state: string): string {
  const found = alertStates.find(([s]) => s === state);
  return `<span class="badge alert-state state-${escapeHtml(state)}" data-state="${escapeHtml(state)}">${escapeHtml(found ? ctx.t(found[1], found[2]) : state)}</span>`;
}

function severityBadge(ctx: ConsoleContext, severity: string): string {
  const found = severities.find(([s]) => s === severity);
  return `<span class="badge ${escapeHtml(severity)}" data-severity="${escapeHtml(severity)}">${escapeHtml(found ? ctx.t(found[1], found[2]) : severity)}</span>`;
}

function levelName(ctx: ConsoleContext, level: number): string {
  const found = escalationLevels[level];
  return found ? ctx.t(...found) : String(level);
}

/** The 督办 badge of a list row: the level reached and how often a unit was urged. */
function supervisionBadge(ctx: ConsoleContext, a: AlertItem): string {
  if (!a.supervisionCount && !a.escalationLevel) {
    return '';
  }
  return ` <span class="badge overdue supervision-badge">${ctx.t('督办', 'Urged')} · ${escapeHtml(levelName(ctx, a.escalationLevel))} ×${a.supervisionCount}</span>`;
}

/** The rules the caller may read (one page: the API lists them all). */
async function rulesOf(ctx: ConsoleContext): Promise<RuleSummary[]> {
  try {
    return (await ctx.api.request<{ items: RuleSummary[] }>('GET', 'api/v1/alert-rules')).items;
  } catch {
    return [];
  }
}

/** The hub link for a page: alert events of the unit, and its state shown in `.live-state`. */
function liveLink(ctx: ConsoleContext, host: HTMLElement, unit: string, onAlert: (alert: AlertItem, event: Envelope) => void): ScreenLink {
  const indicator = host.querySelector<HTMLElement>('.live-state');
  const words: Record<LinkState, [string, string]> = { disconnected: ['实时连接中断', 'Live: disconnected'], 'catching-up': ['同步中', 'Live: catching up'], live: ['实时', 'Live'] };
  const link = new ScreenLink(ctx.session, unit, {
    event: (e) => { if (e.type.startsWith('alert.')) { onAlert(e.data as unknown as AlertItem, e); } },
    live: () => undefined,
    state: (state) => {
      if (indicator) {
        indicator.dataset.state = state;
        indicator.textContent = ctx.t(...words[state]);
      }
    },
  }, '../hubs/ops');
  link.start();
  return link;
}

async function list(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<() => void> {
  const q = (name: string) => route.query.get(name) || null;
  const filters: AlertFilters = {
    unit: q('unit') && q('unit')!.startsWith(ctx.me.unitCode) ? q('unit')! : ctx.me.unitCode,
    state: q('state'), severity: q('severity'), rule: q('rule'), from: q('from'), to: q('to'), responsible: q('responsible'),
  };
  host.innerHTML = `<h2>${ctx.t('告警', 'Alerts')} <small class="live-state" data-state="disconnected"></small></h2>
    <p class="alerts-links">${ctx.t('静默计划见', 'Silences:')} <a href="#/silences">${ctx.t('静默', 'Silences')}</a></p>
    <div class="alert-filters"></div><div class="alert-list"></div>`;
  const names = new PageNames(ctx, host);
  const rules = await rulesOf(ctx);
  const all: [string, string] = ['', ctx.t('全部', 'All')];
  // 责任单位: the caller's unit or one of its children, where escalation has brought an alert (GET /api/v1/alerts?responsible=).
  const mine = await ctx.api.unit(ctx.me.unitCode).catch(() => null);
  const responsibleUnits: [string, string][] = mine ? [[mine.code, mine.name], ...mine.children.map((c): [string, string] => [c.code, c.name])] : [];
  const bar = filterBar(ctx, route, [
    { name: 'responsible', label: ctx.t('责任单位', 'Responsible'), options: [all, ...responsibleUnits] },
    { name: 'state', label: ctx.t('状态', 'State'), options: [all, ...alertStates.map(([s, zh, en]): [string, string] => [s, ctx.t(zh, en)])] },
    { name: 'severity', label: ctx.t('级别', 'Severity'), options: [all, ...severities.map(([s, zh, en]): [string, string] => [s, ctx.t(zh, en)])] },
    { name: 'rule', label: ctx.t('规则', 'Rule'), options: [all, ...rules.map((r): [string, string] => [r.id, r.title])] },
    { name: 'from', label: ctx.t('发生时间自', 'Raised from'), type: 'datetime-local' },
    { name: 'to', label: ctx.t('至', 'to'), type: 'datetime-local' },
  ]);
  const unitLabel = document.createElement('div');
  unitLabel.className = 'unit-filter';
  unitLabel.innerHTML = `<span class="caption">${ctx.t('单位', 'Unit')}</span>`;
  unitLabel.append(await unitPicker(ctx, { name: 'unit', root: ctx.me.unitCode, selected: filters.unit, whole: ['全部', 'All'] }));
  bar.insertBefore(unitLabel, bar.firstChild);
  host.querySelector('.alert-filters')!.append(bar);

  const ruleTitle = new Map(rules.map((r) => [r.id, r.title]));
  const table = await pagedTable<AlertItem>(host.querySelector('.alert-list')!, ctx, {
    path: 'api/v1/alerts',
    query: alertQuery(filters),
    id: (a) => a.id,
    open: (a) => ctx.navigate(`alerts/${a.id}`),
    columns: [
      { title: ctx.t('级别', 'Severity'), cell: (a) => severityBadge(ctx, a.severity) },
      { title: ctx.t('状态', 'State'), cell: (a) => stateBadge(ctx, a.state) + (a.state === 'inhibited' ? ` <small class="inhibited-note">${ctx.t('上级告警已覆盖', 'covered by a unit alert')}</small>` : '') },
      { title: ctx.t('告警', 'Alert'), cell: (a) => `<span class="alert-title">${escapeHtml(a.title)}</span>` },
      { title: ctx.t('对象', 'Subject'), cell: (a) => names.subject(a.subject) },
      { title: ctx.t('所在单元', 'Unit'), cell: (a) => names.unit(a.unitCode) },
      { title: ctx.t('责任单位', 'Responsible'), cell: (a) => names.unit(a.responsibleUnitCode) + supervisionBadge(ctx, a) },
      { title: ctx.t('规则', 'Rule'), cell: (a) => `<span title="${escapeHtml(a.ruleId)}">${escapeHtml(ruleTitle.get(a.ruleId) ?? a.ruleId)}</span>` },
      { title: ctx.t('发生时间', 'Raised'), cell: (a) => escapeHtml(dateTime(a.raisedAt, ctx.language)) },
    ],
  });
  names.paint();
  // Live: an alert already listed is redrawn with its new state; one the filters want that is not listed yet goes on top.
  const link = liveLink(ctx, host, filters.unit, (alert) => {
    table.upsert(alert, matchesFilters(alert, filters));
    names.paint();
  });
  return () => link.stop();
}

/**
 * Cases opened from alerts in this tab, by alert id. The alert's history names its case only when opening it was what
 * acknowledged it (an alert acknowledged before stays as it was); the case itself always records the alert (`alertId`).
 */
const casesOpened = new Map<string, string>();

/** The facts, controls and history of one alert; redrawn after each action and on each of its live events. */
async function detail(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<(() => void) | void> {
  const load = () => ctx.api.request<AlertDetail>('GET', `api/v1/alerts/${encodeURIComponent(id)}`);
  let alert: AlertDetail;
  try {
    alert = await load();
  } catch (error) {
    host.innerHTML = `<p><a href="#/alerts">${ctx.t('← 告警列表', '← Alerts')}</a></p>
      <p class="error" role="alert">${escapeHtml(error instanceof ApiError && error.status === 404 ? ctx.t('没有此告警', 'No such alert') : String(error))}</p>`;
    return;
  }
  // The case opened from the alert, when neither its history (it was acknowledged before) nor this tab knows it: the case
  // list filtered by the alert (GET /api/v1/incidents?alert=), within the caller's unit.
  const findCase = async () => {
    const known = caseOpenedFrom(alert.history) ?? casesOpened.get(alert.id);
    if (known || !ctx.can('read-cases')) {
      return;
    }
    const found = await ctx.api.request<{ items: { id: string }[] }>('GET',
      `api/v1/incidents?unit=${encodeURIComponent(ctx.me.unitCode)}&alert=${encodeURIComponent(alert.id)}&limit=1`).catch(() => null);
    if (found?.items[0]) {
      casesOpened.set(alert.id, found.items[0].id);
    }
  };
  await findCase();
  const rules = await rulesOf(ctx);
  const names = new PageNames(ctx, host);
  const time = (iso: string | null | undefined) => escapeHtml(dateTime(iso, ctx.language));
  host.innerHTML = `<p><a href="#/alerts">${ctx.t('← 告警列表', '← Alerts')}</a> <small class="live-state" data-state="disconnected"></small></p>
    <section class="alert-summary"></section>
    <details class="alert-form silence-form-box" hidden><summary>${ctx.t('静默此告警的规则', 'Silence this rule')}</summary><form class="console-form silence-form"></form></details>
    <details class="alert-form case-form-box" hidden><summary>${ctx.t('转为事件', 'Open a case from this alert')}</summary><form class="console-form case-form"></form></details>
    <section class="alert-records"></section>
    <section class="alert-deliveries" hidden></section>`;

  const draw = () => {
    const caseId = caseOpenedFrom(alert.history) ?? casesOpened.get(alert.id) ?? null;
    const actions = alertActions(alert, ctx.me, rules, caseId);
    const ruleTitle = rules.find((r) => r.id === alert.ruleId)?.title;
    host.querySelector('.alert-summary')!.innerHTML = `
      <h2 class="alert-heading" data-id="${escapeHtml(alert.id)}">${severityBadge(ctx, alert.severity)} ${escapeHtml(alert.title)} ${stateBadge(ctx, alert.state)}</h2>
      ${alert.state === 'inhibited' && alert.inhibitedBy ? `<p class="inhibited-note" role="note">${ctx.t('已被上级单元告警抑制：', 'Inhibited by the unit alert ')}<a data-field="inhibitedBy" href="#/alerts/${encodeURIComponent(alert.inhibitedBy)}">${escapeHtml(alert.inhibitedBy)}</a></p>` : ''}
      ${alert.state === 'suppressed' ? `<p class="inhibited-note" role="note">${ctx.t('静默期内：不计数、不督办，静默结束后告警。', 'Silenced: not counted, not escalated; fires when the silence ends.')}</p>` : ''}
      ${isProtectedAlert(alert) ? `<p class="protected-note" role="note">${ctx.t('受保护规则：仅社区矫正人员或市级可解除、静默。', 'Protected rule: resolved and silenced only by corrections staff or the city level.')}</p>` : ''}
      <dl class="case-facts alert-facts">
        <div><dt>${ctx.t('对象', 'Subject')}</dt><dd>${names.subject(alert.subject)}</dd></div>
        <div><dt>${ctx.t('所在单元', 'Unit')}</dt><dd>${names.unit(alert.unitCode)}</dd></div>
        <div><dt>${ctx.t('责任单位', 'Responsible')}</dt><dd data-field="responsible">${names.unit(alert.responsibleUnitCode)}</dd></div>
        <div><dt>${ctx.t('督办层级', 'Escalation level')}</dt><dd data-field="escalationLevel" data-level="${alert.escalationLevel}">${escapeHtml(levelName(ctx, alert.escalationLevel))} · ${ctx.t('督办', 'urged')} ×${alert.supervisionCount}</dd></div>
        <div><dt>${ctx.t('规则', 'Rule')}</dt><dd>${escapeHtml(ruleTitle ?? alert.ruleId)} <small>v${alert.ruleVersion}</small></dd></div>
        <div><dt>${ctx.t('发生时间', 'Raised')}</dt><dd>${time(alert.raisedAt)}</dd></div>
        ${alert.breachedAt ? `<div><dt>${ctx.t('开始违反', 'Breached')}</dt><dd>${time(alert.breachedAt)}${alert.detectedOnReplay ? ` <span class="badge">${ctx.t('补传发现', 'found on replay')}</span>` : ''}</dd></div>` : ''}
        <div><dt>${ctx.t('签收', 'Acknowledged')}</dt><dd>${alert.acknowledgedBy ? `${escapeHtml(alert.acknowledgedBy)} · ${time(alert.acknowledgedAt)}` : '—'}</dd></div>
        <div><dt>${ctx.t('解除', 'Resolved')}</dt><dd>${alert.resolvedBy ? `${escapeHtml(alert.resolvedBy)} · ${time(alert.resolvedAt)}` : '—'}</dd></div>
        ${caseId ? `<div><dt>${ctx.t('事件', 'Case')}</dt><dd><a class="alert-case" data-id="${escapeHtml(caseId)}" href="#/cases/${encodeURIComponent(caseId)}">${escapeHtml(caseId)}</a></dd></div>` : ''}
      </dl>
      <div class="case-actions alert-actions">${actions.filter((a) => a !== 'silence' && a !== 'open-case').map((a) => `<button type="button" data-action="${a}">${escapeHtml(actionName(ctx, a))}</button>`).join('')}</div>`;
    host.querySelector<HTMLElement>('.silence-form-box')!.hidden = !actions.includes('silence');
    host.querySelector<HTMLElement>('.case-form-box')!.hidden = !actions.includes('open-case');

    const reasons = (r: string) => ctx.t(...(supervisionReasons[r] ?? [r, r]));
    host.querySelector('.alert-records')!.innerHTML = `
      <h3>${ctx.t('督办记录', 'Supervision (督办)')}</h3>
      ${alert.supervisions.length ? `<table class="list supervisions"><thead><tr>
        <th>#</th><th>${ctx.t('时间', 'At')}</th><th>${ctx.t('督办单位', 'Unit urged')}</th><th>${ctx.t('层级', 'Level')}</th><th>${ctx.t('原因', 'Reason')}</th><th>${ctx.t('回复期限', 'Reply due')}</th><th>${ctx.t('回复', 'Reply')}</th></tr></thead><tbody>
        ${alert.supervisions.map((s) => `<tr data-id="${escapeHtml(s.id)}"><td>${s.number}</td><td>${time(s.at)}</td><td>${names.unit(s.unitCode)}</td>
          <td>${escapeHtml(levelName(ctx, s.level))}${s.repeated ? ` <small>${ctx.t('再次督办', 'again')}</small>` : ''}</td><td>${escapeHtml(reasons(s.reason))}</td>
          <td>${time(s.replyDueAt)}</td><td>${s.repliedAt ? `${escapeHtml(s.reply ?? '')} <small>${escapeHtml(s.repliedBy ?? '')} · ${time(s.repliedAt)}</small>` : '—'}</td></tr>`).join('')}
        </tbody></table>` : `<p>${ctx.t('无', 'None')}</p>`}
      <h3>${ctx.t('处理经过', 'History')}</h3>
      <ol class="case-timeline alert-history">${alert.history.map((h) => `<li data-type="${escapeHtml(h.type)}">${time(h.at)} · ${escapeHtml(historyName(ctx, h.type))} · ${escapeHtml(h.actor)}
        → ${names.unit(h.responsibleUnitCode)}${h.note ? ` — ${escapeHtml(h.note)}` : ''}</li>`).join('')}</ol>`;
    names.paint();
  };
  const reload = async () => {
    alert = await load();
    await findCase();
    draw();
  };
  draw();
  void subjectDeliveries(host.querySelector<HTMLElement>('.alert-deliveries')!, ctx, `api/v1/alerts/${encodeURIComponent(alert.id)}/notifications`);

  // 签收, 解除, 回复督办: each confirmed with a note (the reply's text is the note), one opId per press.
  host.querySelector('.alert-summary')!.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('.alert-actions button[data-action]');
    if (!button) {
      return;
    }
    const action = button.dataset.action!;
    const target = action === 'reply' ? replyTarget(alert, ctx.me) : null;
    const question = action === 'reply'
      ? ctx.t(`回复第 ${target?.number ?? ''} 次督办（填写处置情况）`, `Reply to 督办 #${target?.number ?? ''} (what is being done)`)
      : `${actionName(ctx, action)}：${alert.title}？`;
    const note = await confirmAction(ctx, question);
    if (note === null) {
      return;
    }
    const actionsBox = host.querySelector<HTMLElement>('.alert-actions')!;
    button.disabled = true;
    try {
      const path = action === 'acknowledge' ? 'ack' : action;
      const body = action === 'reply' ? { opId: newOpId(action), number: target?.number ?? null, reply: note } : { opId: newOpId(action), note: note || null };
      await ctx.api.request('POST', `api/v1/alerts/${encodeURIComponent(alert.id)}/${path}`, body);
      await reload();
    } catch (error) {
      showProblem(actionsBox, error, ctx);
      button.disabled = false;
    }
  });

  await silenceForm(host, ctx, alert, rules);
  await caseForm(host, ctx, alert, reload);

  const link = liveLink(ctx, host, alert.unitCode, (changed) => {
    if (changed.id === alert.id) {
      void reload().catch(() => undefined);
    }
  });
  return () => link.stop();
}

/** 静默: the alert's rule (or every rule) in its unit or a unit above it within the caller's, for a period, with the reason. */
async function silenceForm(host: HTMLElement, ctx: ConsoleContext, alert: AlertDetail, rules: RuleSummary[]): Promise<void> {
  const form = host.querySelector<HTMLFormElement>('.silence-form')!;
  const scopes = [4, 6, 9, 12, 15].map((n) => alert.unitCode.slice(0, n)).filter((c, i, all) => c.length <= alert.unitCode.length && all.indexOf(c) === i && c.startsWith(ctx.me.unitCode)).reverse();
  const ruleTitle = rules.find((r) => r.id === alert.ruleId)?.title ?? alert.ruleId;
  const scopeNames = await Promise.all(scopes.map((c) => ctx.unitName(c)));
  form.innerHTML = `
    <label>${ctx.t('范围', 'Scope')}<select name="unitScope">${scopes.map((c, i) => `<option value="${escapeHtml(c)}">${escapeHtml(scopeNames[i])}</option>`).join('')}</select></label>
    <label>${ctx.t('规则', 'Rule')}<select name="ruleId"><option value="${escapeHtml(alert.ruleId)}">${escapeHtml(ruleTitle)}</option>
      ${ctx.can('manage-alert-rules') ? `<option value="">${ctx.t('该范围内全部规则', 'Every rule in the scope')}</option>` : ''}</select></label>
    <div class="row">
      <label>${ctx.t('开始（留空为现在）', 'Starts (empty: now)')}<input name="startsAt" type="datetime-local" /></label>
      <label>${ctx.t('结束', 'Ends')}<input name="endsAt" type="datetime-local" value="${cityLocal(new Date(Date.now() + 2 * 3600_000))}" /></label>
    </div>
    <label>${ctx.t('原因（计划作业）', 'Reason (the planned work)')}<textarea name="reason" rows="2"></textarea></label>
    <button type="submit" data-action="silence">${ctx.t('静默', 'Silence')}</button>
    <p class="saved" role="status" hidden></p>`;
  let opId = newOpId('silence');
  form.addEventListener('input', () => { opId = newOpId('silence'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const v = formValues(form);
    const ruleId = (form.querySelector<HTMLSelectElement>('[name=ruleId]')!.value) || null;
    try {
      const silence = await ctx.api.request<{ id: string; endsAt: string }>('POST', 'api/v1/alert-silences', {
        opId, unitScope: v.unitScope, ruleId, startsAt: cityTime(v.startsAt), endsAt: cityTime(v.endsAt), reason: v.reason ?? '',
      });
      const saved = form.querySelector<HTMLElement>('.saved')!;
      saved.hidden = false;
      saved.dataset.id = silence.id;
      saved.innerHTML = `${ctx.t('已静默至', 'Silenced until')} ${escapeHtml(dateTime(silence.endsAt, ctx.language))} · <a href="#/silences">${ctx.t('查看静默', 'Silences')}</a>`;
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

/** 转为事件: a case reported from the alert (POST /api/v1/incidents with alertId), which also acknowledges it naming the case. */
async function caseForm(host: HTMLElement, ctx: ConsoleContext, alert: AlertDetail, reload: () => Promise<void>): Promise<void> {
  if (!ctx.can('report-incidents')) {
    return;
  }
  const form = host.querySelector<HTMLFormElement>('.case-form')!;
  let categories: { code: string; name: string }[] = [];
  try {
    categories = (await ctx.api.request<{ items: { code: string; name: string }[] }>('GET', 'api/v1/incident-categories')).items;
  } catch {
    // the select stays empty: the server's problem will say what is missing
  }
  form.innerHTML = `
    <label>${ctx.t('类别', 'Category')}<select name="category">${categories.map((c) => `<option value="${escapeHtml(c.code)}">${escapeHtml(c.name)}</option>`).join('')}</select></label>
    <label>${ctx.t('紧急程度', 'Urgency')}<select name="urgency"><option value="normal">${ctx.t('一般', 'Normal')}</option><option value="urgent">${ctx.t('紧急', 'Urgent')}</option></select></label>
    <label>${ctx.t('描述', 'Description')}<textarea name="description" rows="3">${escapeHtml(`${ctx.t('告警转事件', 'From alert')}：${alert.title}`)}</textarea></label>
    <div class="grid-choice" data-field="location"><span class="caption">${ctx.t('所在网格', 'Grid')}</span></div>
    <button type="submit" data-action="open-case">${ctx.t('转为事件', 'Open a case')}</button>`;
  // A case lies in a grid: the alert's own grid, or one picked below the alert's unit (a community's alert).
  const grid = alert.unitCode.length === 15
    ? Object.assign(document.createElement('input'), { type: 'hidden', name: 'gridCode', value: alert.unitCode })
    : await unitPicker(ctx, { name: 'gridCode', root: alert.unitCode, selected: null, whole: ['请选择', 'Pick one'] });
  const choice = form.querySelector<HTMLElement>('.grid-choice')!;
  choice.append(grid);
  if (alert.unitCode.length === 15) {
    choice.insertAdjacentHTML('beforeend', ` <span>${escapeHtml(await ctx.unitName(alert.unitCode))}</span>`);
  }
  const opId = newOpId('case');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const v = formValues(form);
    try {
      const opened = await ctx.api.request<{ id: string }>('POST', 'api/v1/incidents', {
        opId, category: v.category ?? null, urgency: v.urgency, description: v.description ?? '', gridCode: v.gridCode ?? null, alertId: alert.id,
      });
      casesOpened.set(alert.id, opened.id);
      host.querySelector<HTMLDetailsElement>('.case-form-box')!.open = false;
      await reload();
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

function actionName(ctx: ConsoleContext, action: string): string {
  const words: Record<string, [string, string]> = {
    acknowledge: ['签收', 'Acknowledge'], resolve: ['解除', 'Resolve'], reply: ['回复督办', 'Reply to 督办'], silence: ['静默', 'Silence'], 'open-case': ['转为事件', 'Open a case'],
  };
  return ctx.t(...(words[action] ?? [action, action]));
}

function historyName(ctx: ConsoleContext, type: string): string {
  const words: Record<string, [string, string]> = {
    'alert.pending': ['待确认', 'pending'], 'alert.raised': ['告警', 'raised'], 'alert.suppressed': ['静默', 'suppressed'], 'alert.inhibited': ['被抑制', 'inhibited'],
    'alert.acknowledged': ['签收', 'acknowledged'], 'alert.escalated': ['升级督办', 'escalated'], 'alert.urged': ['再次督办', 'urged again'],
    'alert.supervision-replied': ['回复督办', 'replied'], 'alert.resolved': ['解除', 'resolved'],
  };
  return ctx.t(...(words[type] ?? [type, type]));
}

/** 告警: the live list and one alert. */
export const alertsPage: ConsolePage = {
  path: 'alerts',
  title: { zh: '告警', en: 'Alerts' },
  permissions: ['view-units'],
  mount: (host, ctx, route) => (route.rest[0] ? detail(host, ctx, route.rest[0]) : list(host, ctx, route)),
};
