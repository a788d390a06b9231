import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { formValues, newOpId, showProblem } from '../forms';
import { pagedTable } from '../lists';
import { completionPercent, type Campaign } from '../../campaigns';
import './cases.css';

// 专项整治 (issue 29): the floating-population campaign day (流动人口专项整治日) — start one within the caller's unit, list them,
// each grid's progress (docs/supervision.md). Action controls carry the API's action name, rows the object's id.

const time = (ctx: ConsoleContext, iso: string) => escapeHtml(new Date(iso).toLocaleString(ctx.language));

/** A date as `YYYY-MM-DD` in the browser's calendar, `days` from today. */
const dayFrom = (days: number) => {
  const d = new Date(Date.now() + days * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

async function campaigns(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  if (route.rest.length > 0) {
    return campaign(host, ctx, route.rest[0]);
  }
  host.innerHTML = `<h2>${ctx.t('专项整治', 'Campaigns')}</h2>
    ${ctx.can('run-campaigns') ? `<form class="start-campaign">
      <label>${ctx.t('单位代码', 'Unit code')}<input name="unitCode" required value="${escapeHtml(ctx.me.unitCode)}" /></label>
      <label>${ctx.t('名称', 'Title')}<input name="title" required maxlength="200" value="${escapeHtml(ctx.t('流动人口专项整治日', 'Floating-population campaign day'))}" /></label>
      <label>${ctx.t('居住登记到期日不晚于', 'Registration expiring by')}<input type="date" name="registrationDueBefore" required value="${dayFrom(30)}" /></label>
      <label>${ctx.t('完成时限', 'Due')}<input type="datetime-local" name="dueAt" required value="${dayFrom(1)}T18:00" /></label>
      <button type="submit" data-action="start">${ctx.t('开始专项整治', 'Start')}</button></form>` : ''}
    <div class="list-host"></div>`;
  const form = host.querySelector<HTMLFormElement>('.start-campaign');
  form?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const started = await ctx.api.request<Campaign>('POST', 'api/v1/campaigns', {
        opId: newOpId('campaign'), unitCode: v.unitCode, kind: 'floating-registration', title: v.title,
        registrationDueBefore: v.registrationDueBefore, dueAt: new Date(v.dueAt).toISOString(),
      });
      ctx.navigate(`campaigns/${started.id}`);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
  await pagedTable<Campaign>(host.querySelector<HTMLElement>('.list-host')!, ctx, {
    path: 'api/v1/campaigns',
    query: { unit: route.query.get('unit') ?? ctx.me.unitCode },
    id: (c) => c.id,
    open: (c) => ctx.navigate(`campaigns/${c.id}`),
    columns: [
      { title: ctx.t('名称', 'Title'), cell: (c) => escapeHtml(c.title) },
      { title: ctx.t('单位', 'Unit'), cell: (c) => escapeHtml(c.unitCode) },
      { title: ctx.t('时限', 'Due'), cell: (c) => time(ctx, c.dueAt) },
      { title: ctx.t('完成', 'Done'), cell: (c) => `${c.done}/${c.total} (${completionPercent(c.done, c.total)}%)` },
      { title: ctx.t('网格', 'Grids'), cell: (c) => `${c.grids.filter((g) => g.done >= g.total).length}/${c.grids.length}` },
    ],
  });
}

async function campaign(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  const c = await ctx.api.request<Campaign>('GET', `api/v1/campaigns/${encodeURIComponent(id)}`);
  const overdue = new Date(c.dueAt).getTime() < Date.now();
  host.innerHTML = `<p><a href="#/campaigns">${ctx.t('← 专项整治列表', '← Campaigns')}</a></p>
    <h2 data-id="${escapeHtml(c.id)}">${escapeHtml(c.title)} <span class="case-stage">${c.done}/${c.total}</span></h2>
    <p>${ctx.t('单位', 'Unit')}: ${escapeHtml(c.unitCode)} · ${ctx.t('时限', 'Due')}: ${time(ctx, c.dueAt)} · ${ctx.t('居住登记到期日不晚于', 'Registration expiring by')} ${escapeHtml(c.registrationDueBefore)}</p>
    <table class="list campaign-grids"><thead><tr><th>${ctx.t('网格', 'Grid')}</th><th>${ctx.t('走访', 'Visits')}</th><th>${ctx.t('完成率', 'Completion')}</th><th>${ctx.t('状态', 'State')}</th></tr></thead><tbody>
    ${c.grids.map((g) => `<tr data-id="${escapeHtml(g.gridCode)}"><td>${escapeHtml(g.gridCode)}</td><td class="grid-progress">${g.done}/${g.total}</td>
      <td><progress max="${g.total}" value="${g.done}"></progress> ${completionPercent(g.done, g.total)}%</td>
      <td>${g.done >= g.total ? ctx.t('已完成', 'finished') : overdue ? ctx.t('逾期（四级联控）', 'overdue (escalated)') : ctx.t('进行中', 'in progress')}</td></tr>`).join('')}
    </tbody></table>
    <button type="button" data-action="refresh">${ctx.t('刷新', 'Refresh')}</button>`;
  host.querySelector('[data-action=refresh]')!.addEventListener('click', () => void campaign(host, ctx, id));
}

export const campaignsPage: ConsolePage = { path: 'campaigns', title: { zh: '专项整治', en: 'Campaigns' }, permissions: ['run-campaigns', 'view-units'], mount: campaigns };
