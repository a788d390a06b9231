import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage } from '../context';
import { clearProblems, confirmAction, formValues, newOpId, showProblem } from '../forms';
import { pagedTable } from '../lists';
import { type RuleSummary, cityTime, dateTime, isProtectedRule, maySilence } from './alerts-model';
import { PageNames } from './page-names';
import { unitPicker } from './unit-picker';
import './alerts.css';

// 静默: the silences running or planned within the caller's unit (GET /api/v1/alert-silences), a new one — its matchers (a unit
// scope picked by name, one rule or every rule), its period and its reason (POST; the server's field errors shown at the
// fields) — and ending one early (DELETE, 提前结束). A silence covering a protected rule is for corrections staff (naming the
// rule) or the city level only: the server answers anyone else 403 `Protected rule`, and the page offers what it would allow.

interface Silence { id: string; unitScope: string; ruleId: string | null; startsAt: string; endsAt: string; reason: string; createdBy: string; createdAt: string }

async function mount(host: HTMLElement, ctx: ConsoleContext): Promise<void> {
  let rules: RuleSummary[] = [];
  try {
    rules = (await ctx.api.request<{ items: RuleSummary[] }>('GET', 'api/v1/alert-rules')).items;
  } catch {
    // no rule titles: ids are shown
  }
  const mayCreate = ctx.can('manage-alert-rules') || (ctx.me.role === 'corrections' && rules.some(isProtectedRule));
  const ruleTitle = new Map(rules.map((r) => [r.id, r.title]));
  // Corrections staff, who manage no rules, may silence only a protected rule they name.
  const offered = ctx.can('manage-alert-rules') ? rules : rules.filter(isProtectedRule);
  host.innerHTML = `<h2>${ctx.t('告警静默', 'Silences')}</h2>
    <p>${ctx.t('计划作业期间，范围内匹配规则的告警改为“已静默”：不计数、不督办；静默结束（或提前结束）后仍在的告警照常告警。最长 31 天。',
      'During planned work, matching alerts in the scope are silenced instead of firing: not counted, not escalated; when the silence ends (or is ended early) they fire. At most 31 days.')}</p>
    <form class="console-form silence-create" ${mayCreate ? '' : 'hidden'}>
      <div class="unit-choice"><span class="caption">${ctx.t('范围', 'Scope')}</span></div>
      <label>${ctx.t('规则', 'Rule')}<select name="ruleId">
        ${ctx.can('manage-alert-rules') ? `<option value="">${ctx.t('范围内全部规则', 'Every rule in the scope')}</option>` : ''}
        ${offered.map((r) => `<option value="${escapeHtml(r.id)}">${escapeHtml(r.title)} (${escapeHtml(r.id)})</option>`).join('')}</select></label>
      <div class="row">
        <label>${ctx.t('开始（留空为现在）', 'Starts (empty: now)')}<input name="startsAt" type="datetime-local" /></label>
        <label>${ctx.t('结束', 'Ends')}<input name="endsAt" type="datetime-local" /></label>
      </div>
      <label>${ctx.t('原因（计划作业）', 'Reason (the planned work)')}<textarea name="reason" rows="2"></textarea></label>
      <button type="submit" data-action="create">${ctx.t('新建静默', 'Create silence')}</button>
    </form>
    <h3>${ctx.t('生效中与计划中的静默', 'Running and planned')}</h3>
    <div class="silence-list"></div>`;
  const form = host.querySelector<HTMLFormElement>('.silence-create')!;
  form.querySelector('.unit-choice')!.append(await unitPicker(ctx, { name: 'unitScope', root: ctx.me.unitCode, selected: null, whole: ['本级', 'This unit'] }));
  let opId = newOpId('silence');
  form.addEventListener('input', () => { opId = newOpId('silence'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const v = formValues(form);
    try {
      await ctx.api.request('POST', 'api/v1/alert-silences', {
        opId, unitScope: v.unitScope ?? '', ruleId: v.ruleId ?? null, startsAt: cityTime(v.startsAt), endsAt: cityTime(v.endsAt), reason: v.reason ?? '',
      });
      await mount(host, ctx);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });

  const names = new PageNames(ctx, host);
  const listHost = host.querySelector<HTMLElement>('.silence-list')!;
  await pagedTable<Silence>(listHost, ctx, {
    path: 'api/v1/alert-silences',
    query: { unit: ctx.me.unitCode },
    id: (s) => s.id,
    columns: [
      { title: ctx.t('范围', 'Scope'), cell: (s) => names.unit(s.unitScope) },
      { title: ctx.t('规则', 'Rule'), cell: (s) => (s.ruleId ? escapeHtml(ruleTitle.get(s.ruleId) ?? s.ruleId) : ctx.t('全部规则', 'Every rule')) },
      { title: ctx.t('开始', 'Starts'), cell: (s) => escapeHtml(dateTime(s.startsAt, ctx.language)) },
      { title: ctx.t('结束', 'Ends'), cell: (s) => escapeHtml(dateTime(s.endsAt, ctx.language)) },
      { title: ctx.t('原因', 'Reason'), cell: (s) => escapeHtml(s.reason) },
      { title: ctx.t('设置人', 'Set by'), cell: (s) => `${escapeHtml(s.createdBy)} <small>${escapeHtml(dateTime(s.createdAt, ctx.language))}</small>` },
      { title: '', cell: (s) => (maySilence(ctx.me, s.unitScope, s.ruleId, rules) ? `<button type="button" data-action="expire">${ctx.t('提前结束', 'End now')}</button>` : '') },
    ],
  });
  names.paint();
  listHost.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=expire]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    if (await confirmAction(ctx, ctx.t('提前结束此静默？被静默的告警将照常告警。', 'End this silence now? Silenced alerts will fire.'), false) === null) {
      return;
    }
    button.disabled = true;
    try {
      await ctx.api.request('DELETE', `api/v1/alert-silences/${encodeURIComponent(row.dataset.id!)}`);
      row.remove();
    } catch (error) {
      showProblem(listHost, error, ctx);
      button.disabled = false;
    }
  });
}

/** 静默: silences for planned work. */
export const silencesPage: ConsolePage = {
  path: 'silences',
  title: { zh: '静默', en: 'Silences' },
  permissions: ['manage-alert-rules', 'manage-key-person-zones'],
  mount: (host, ctx) => mount(host, ctx),
};
