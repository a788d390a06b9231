import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { clearProblems, formValues, newOpId, showProblem } from '../forms';
import { pagedTable } from '../lists';
import './rules.css';

// 告警规则: the rules that apply within the caller's unit (GET /api/v1/alert-rules) and an editor for one rule
// (#/rules/<id>) whose controls are named after the API's fields (target.unitScope, escalation.timeoutSeconds…), so a
// validation problem's messages appear at the field they name. Saving sends the whole rule with expectedVersion.

interface Escalation { [key: string]: unknown }
export interface RuleItem {
  id: string; version: number; title: string; kind: string; target: { subjectKind: string; unitScope: string }; severity: string;
  parameters: Record<string, unknown>; pendingSeconds: number; recoverySeconds: number; escalation: Escalation | null; enabled: boolean;
  changedBy: string; changedAt: string; fault: { message?: string } | null;
}

const severities = ['info', 'warning', 'critical'];
const kinds = ['threshold', 'absence', 'zone', 'time-window', 'rate', 'member-share', 'stage-overdue', 'overdue'];
const subjectKinds = ['device', 'worker', 'key-person', 'incident', 'grid', 'community', 'key-place'];

/** A JSON text as a value, or the text itself for the server to judge (its 400 names the field). */
function jsonOrText(text: string | undefined): unknown {
  if (text === undefined || text === '') {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The POST body of a new rule from the form's values (controls named after the request's fields). */
export function newRuleBody(values: Record<string, string>, enabled: boolean, opId: string): Record<string, unknown> {
  const seconds = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return {
    opId, id: values.id ?? '', title: values.title ?? '', kind: values.kind,
    target: { subjectKind: values['target.subjectKind'], unitScope: values['target.unitScope'] ?? '' },
    severity: values.severity, parameters: jsonOrText(values.parameters) ?? {},
    pendingSeconds: seconds(values.pendingSeconds), recoverySeconds: seconds(values.recoverySeconds),
    escalation: jsonOrText(values.escalation), enabled,
  };
}

/** The PUT body from the editor's values; a parameters text that is not JSON is sent as-is for the server to judge. */
export function ruleBody(rule: RuleItem, values: Record<string, string>, enabled: boolean, opId: string): Record<string, unknown> {
  let parameters: unknown;
  try {
    parameters = JSON.parse(values.parameters ?? '');
  } catch {
    parameters = values.parameters ?? null;
  }
  const seconds = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return {
    opId, id: rule.id, title: values.title ?? '', kind: rule.kind,
    target: { subjectKind: rule.target.subjectKind, unitScope: values['target.unitScope'] ?? '' },
    severity: values.severity, parameters,
    pendingSeconds: seconds(values.pendingSeconds), recoverySeconds: seconds(values.recoverySeconds),
    escalation: rule.escalation, enabled, expectedVersion: rule.version,
  };
}

async function list(host: HTMLElement, ctx: ConsoleContext): Promise<void> {
  host.innerHTML = `<div class="case-head"><h2>${ctx.t('告警规则', 'Alert rules')}</h2>
    <a class="button" href="#/rules/_new" data-action="create">${ctx.t('新建规则', 'New rule')}</a></div><div class="rules-list"></div>`;
  await pagedTable<RuleItem>(host.querySelector('.rules-list')!, ctx, {
    path: 'api/v1/alert-rules',
    query: {},
    id: (r) => r.id,
    open: (r) => ctx.navigate(`rules/${encodeURIComponent(r.id)}`),
    columns: [
      { title: ctx.t('编号', 'Id'), cell: (r) => `<code>${escapeHtml(r.id)}</code>` },
      { title: ctx.t('名称', 'Title'), cell: (r) => escapeHtml(r.title) },
      { title: ctx.t('类型', 'Kind'), cell: (r) => escapeHtml(r.kind) },
      { title: ctx.t('对象', 'Subjects'), cell: (r) => escapeHtml(r.target.subjectKind) },
      { title: ctx.t('范围', 'Scope'), cell: (r) => escapeHtml(r.target.unitScope) },
      { title: ctx.t('级别', 'Severity'), cell: (r) => escapeHtml(r.severity) },
      { title: ctx.t('版本', 'Version'), cell: (r) => String(r.version) },
      { title: ctx.t('启用', 'Enabled'), cell: (r) => (r.enabled ? ctx.t('是', 'yes') : ctx.t('否', 'no')) + (r.fault ? ` <span class="error">${ctx.t('故障', 'fault')}</span>` : '') },
    ],
  });
}

async function editor(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  const history = await ctx.api.request<{ items: RuleItem[] }>('GET', `api/v1/alert-rules/${encodeURIComponent(id)}`);
  let rule = history.items[0];
  let versions = history.items;
  const draw = () => {
    // A rule managed above the caller's unit (the city's) is theirs to read, not to change: the PUT would be 403.
    const managedHere = rule.target.unitScope.startsWith(ctx.me.unitCode) && ctx.can('manage-alert-rules');
    host.innerHTML = `<p><a href="#/rules">← ${ctx.t('全部规则', 'All rules')}</a></p>
      <h2>${escapeHtml(rule.title)} <small><code>${escapeHtml(rule.id)}</code></small></h2>
      <p class="rule-meta" data-field="version">${ctx.t('版本', 'Version')} ${rule.version} · ${escapeHtml(rule.kind)} · ${escapeHtml(rule.target.subjectKind)}
        · ${ctx.t('修改人', 'changed by')} ${escapeHtml(rule.changedBy)} ${escapeHtml(new Date(rule.changedAt).toLocaleString(ctx.language))}</p>
      ${rule.fault ? `<p class="error">${ctx.t('此版本无法执行', 'This version cannot run')}: ${escapeHtml(rule.fault.message ?? '')}</p>` : ''}
      ${managedHere ? '' : `<p class="rule-above" role="note">${ctx.t(`此规则由上级单位（${escapeHtml(rule.target.unitScope)}）管理，只读；如需调整，请复制到本单位（POST /api/v1/alert-rules/{id}/copies）。`, `Managed above your unit (${escapeHtml(rule.target.unitScope)}): read only; copy it to your unit to tune it.`)}</p>`}
      <form class="rule-editor">
        <fieldset${managedHere ? '' : ' disabled'}>
        <label>${ctx.t('名称', 'Title')}<input name="title" value="${escapeHtml(rule.title)}" /></label>
        <label>${ctx.t('适用范围（单位代码）', 'Scope (unit code)')}<input name="target.unitScope" value="${escapeHtml(rule.target.unitScope)}" /></label>
        <label>${ctx.t('级别', 'Severity')}<select name="severity">${severities.map((s) => `<option value="${s}"${s === rule.severity ? ' selected' : ''}>${s}</option>`).join('')}</select></label>
        <label>${ctx.t('参数（JSON）', 'Parameters (JSON)')}<textarea name="parameters" rows="6">${escapeHtml(JSON.stringify(rule.parameters, null, 2))}</textarea></label>
        <label>${ctx.t('持续秒数', 'Pending seconds')}<input name="pendingSeconds" type="number" value="${rule.pendingSeconds}" /></label>
        <label>${ctx.t('恢复秒数', 'Recovery seconds')}<input name="recoverySeconds" type="number" value="${rule.recoverySeconds}" /></label>
        <label class="check"><input name="enabled" type="checkbox"${rule.enabled ? ' checked' : ''} /> ${ctx.t('启用', 'Enabled')}</label>
        </fieldset>
        ${managedHere ? `<button type="submit" data-action="save">${ctx.t('保存', 'Save')}</button>` : ''}
        <p class="saved" role="status" hidden>${ctx.t('已保存', 'Saved')}</p>
      </form>
      ${managedHere || !ctx.can('manage-alert-rules') ? '' : `<form class="rule-copy console-form">
        <h3>${ctx.t('复制到本单位后调整', 'Copy into your unit to tune it')}</h3>
        <label>${ctx.t('新规则编号', 'New rule id')}<input name="id" data-field="id" value="${escapeHtml(`${rule.id}-${ctx.me.unitCode}`.slice(0, 63))}" /></label>
        <label>${ctx.t('适用范围（单位代码）', 'Scope (unit code)')}<input name="unitScope" data-field="unitScope" value="${escapeHtml(ctx.me.unitCode)}" /></label>
        <label>${ctx.t('名称', 'Title')}<input name="title" data-field="title" value="${escapeHtml(rule.title)}" /></label>
        <label class="check"><input name="enabled" type="checkbox" /> ${ctx.t('复制后即启用（默认停用：与原规则同时启用会重复告警）', 'Enabled at once (off by default: beside the original it would alert twice)')}</label>
        <button type="submit" data-action="copy">${ctx.t('复制', 'Copy')}</button></form>`}
      <h3>${ctx.t('版本记录', 'Versions')}</h3>
      <table class="list rule-versions"><thead><tr><th>${ctx.t('版本', 'Version')}</th><th>${ctx.t('名称', 'Title')}</th><th>${ctx.t('级别', 'Severity')}</th>
        <th>${ctx.t('启用', 'Enabled')}</th><th>${ctx.t('参数', 'Parameters')}</th><th>${ctx.t('修改人', 'Changed by')}</th><th>${ctx.t('时间', 'At')}</th></tr></thead>
        <tbody>${versions.map((v) => `<tr data-id="${v.version}"><td>${v.version}</td><td>${escapeHtml(v.title)}</td><td>${escapeHtml(v.severity)}</td>
          <td>${v.enabled ? ctx.t('是', 'yes') : ctx.t('否', 'no')}</td><td><code>${escapeHtml(JSON.stringify(v.parameters))}</code></td>
          <td>${escapeHtml(v.changedBy)}</td><td>${escapeHtml(new Date(v.changedAt).toLocaleString(ctx.language))}</td></tr>`).join('')}</tbody></table>`;
    const copy = host.querySelector<HTMLFormElement>('.rule-copy');
    if (copy) {
      let copyOp = newOpId('copy');
      copy.addEventListener('input', () => { copyOp = newOpId('copy'); });
      copy.addEventListener('submit', async (e) => {
        e.preventDefault();
        const v = formValues(copy);
        try {
          const made = await ctx.api.request<RuleItem>('POST', `api/v1/alert-rules/${encodeURIComponent(rule.id)}/copies`, { opId: copyOp, id: v.id ?? '', unitScope: v.unitScope ?? '', title: v.title ?? null, enabled: copy.querySelector<HTMLInputElement>('[name=enabled]')!.checked });
          ctx.navigate(`rules/${encodeURIComponent(made.id)}`);
        } catch (error) {
          showProblem(copy, error, ctx);
        }
      });
    }
    const form = host.querySelector<HTMLFormElement>('.rule-editor')!;
    let opId = newOpId('rule');
    form.addEventListener('input', () => { opId = newOpId('rule'); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const values: Record<string, string> = {};
      new FormData(form).forEach((v, k) => { if (typeof v === 'string') { values[k] = v.trim(); } });
      const enabled = form.querySelector<HTMLInputElement>('[name=enabled]')!.checked;
      try {
        rule = await ctx.api.request<RuleItem>('PUT', `api/v1/alert-rules/${encodeURIComponent(rule.id)}`, ruleBody(rule, values, enabled, opId));
        versions = [rule, ...versions.filter((v) => v.version !== rule.version)];
        draw();
        host.querySelector<HTMLElement>('.saved')!.hidden = false;
      } catch (error) {
        showProblem(form, error, ctx);
      }
    });
    form.addEventListener('reset', () => clearProblems(form));
  };
  draw();
}

/** 新建规则 (`#/rules/_new`: no rule id has an underscore): a rule from nothing (POST /api/v1/alert-rules), its controls named after the request's fields. */
function creator(host: HTMLElement, ctx: ConsoleContext): void {
  const options = (values: string[], selected?: string) => values.map((v) => `<option value="${v}"${v === selected ? ' selected' : ''}>${v}</option>`).join('');
  host.innerHTML = `<p><a href="#/rules">← ${ctx.t('全部规则', 'All rules')}</a></p>
    <h2>${ctx.t('新建规则', 'New rule')}</h2>
    <form class="rule-editor rule-new">
      <label>${ctx.t('编号（小写字母、数字、点、连字符）', 'Id (a-z, 0-9, dots, dashes)')}<input name="id" required /></label>
      <label>${ctx.t('名称', 'Title')}<input name="title" required /></label>
      <label>${ctx.t('类型', 'Kind')}<select name="kind">${options(kinds)}</select></label>
      <label>${ctx.t('对象', 'Subjects')}<select name="target.subjectKind">${options(subjectKinds)}</select></label>
      <label>${ctx.t('适用范围（单位代码）', 'Scope (unit code)')}<input name="target.unitScope" value="${escapeHtml(ctx.me.unitCode)}" /></label>
      <label>${ctx.t('级别', 'Severity')}<select name="severity">${options(severities, 'warning')}</select></label>
      <label>${ctx.t('参数（JSON）', 'Parameters (JSON)')}<textarea name="parameters" rows="5">{}</textarea></label>
      <label>${ctx.t('持续秒数', 'Pending seconds')}<input name="pendingSeconds" type="number" value="0" /></label>
      <label>${ctx.t('恢复秒数', 'Recovery seconds')}<input name="recoverySeconds" type="number" value="0" /></label>
      <label>${ctx.t('督办策略（JSON，可空）', 'Escalation (JSON, optional)')}<textarea name="escalation" rows="2"></textarea></label>
      <label class="check"><input name="enabled" type="checkbox" checked /> ${ctx.t('启用', 'Enabled')}</label>
      <button type="submit" data-action="create">${ctx.t('创建', 'Create')}</button>
    </form>`;
  const form = host.querySelector<HTMLFormElement>('.rule-new')!;
  let opId = newOpId('rule');
  form.addEventListener('input', () => { opId = newOpId('rule'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values: Record<string, string> = {};
    new FormData(form).forEach((v, k) => { if (typeof v === 'string') { values[k] = v.trim(); } });
    const enabled = form.querySelector<HTMLInputElement>('[name=enabled]')!.checked;
    try {
      const made = await ctx.api.request<RuleItem>('POST', 'api/v1/alert-rules', newRuleBody(values, enabled, opId));
      ctx.navigate(`rules/${encodeURIComponent(made.id)}`);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

export const rulesPage: ConsolePage = {
  path: 'rules',
  title: { zh: '告警规则', en: 'Alert rules' },
  permissions: ['manage-alert-rules'],
  mount: (host: HTMLElement, ctx: ConsoleContext, route: Route) => (route.rest[0] === '_new' ? creator(host, ctx)
    : route.rest[0] ? editor(host, ctx, decodeURIComponent(route.rest[0])) : list(host, ctx)),
};
