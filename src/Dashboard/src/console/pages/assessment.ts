import { query } from '../../api';
import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { saveFile, showProblem } from '../forms';
import { filterBar } from '../lists';
import './admin.css';

// 考核: the assessment figures of a period for the child units, the departments or the workers of a unit, ranked by the
// server (GET /api/v1/kpis/ranking?by=) by the figure whose column header was pressed; the unit's own totals above
// (GET /api/v1/kpis); the same rows as CSV from the server (GET /api/v1/kpis/export?by=, audited). A period is whole days
// in Asia/Shanghai: from the first day's 00:00 to the day after the last.

interface Figures {
  onTimeClosureRate: number | null; closureRate: number | null; reworkRate: number | null; extensionRate: number | null;
  satisfactionRate: number | null; reopenRate: number | null; count: number; closed: number; openAtEnd: number;
  meanMinutesByStage: Record<string, number>;
}
interface RankedItem { rank: number | null; code: string; name: string; value: number | null; figures: Figures }
interface Ranking { unit: string; figure: string; by: string; from: string; to: string; items: RankedItem[] }

/** The figures the server ranks by (IncidentKpis.RankableFigures), with their column titles. */
const figures: [keyof Figures, string, string, 'rate' | 'count'][] = [
  ['onTimeClosureRate', '按期结案率', 'On-time closure', 'rate'],
  ['closureRate', '结案率', 'Closure', 'rate'],
  ['reworkRate', '返工率', 'Rework', 'rate'],
  ['extensionRate', '延期率', 'Extension', 'rate'],
  ['satisfactionRate', '满意率', 'Satisfaction', 'rate'],
  ['reopenRate', '重办率', 'Reopen', 'rate'],
  ['count', '上报数', 'Reported', 'count'],
  ['closed', '结案数', 'Closed', 'count'],
  ['openAtEnd', '期末未结', 'Open at end', 'count'],
];

const stages: [string, string, string][] = [
  ['reported', '受理', 'To accept'], ['accepted', '派遣', 'To dispatch'], ['dispatched', '待处置', 'To start'],
  ['in-progress', '处置', 'Handling'], ['handled', '核查', 'To verify'],
];

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(2)}%`;
}

/** A date input's day (yyyy-mm-dd) as the instant its Asia/Shanghai day starts, `days` later. */
export function cityDay(day: string, days = 0): string {
  const d = new Date(`${day}T00:00:00+08:00`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString();
}

/** The instant's day in Asia/Shanghai (a period's first and last day, wherever the browser is). */
function cityDate(instant: string, language: string): string {
  return new Date(instant).toLocaleDateString(language === 'zh' ? 'zh-CN' : 'en', { timeZone: 'Asia/Shanghai' });
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  const by = route.query.get('by') ?? 'units';
  const figure = route.query.get('figure') ?? 'onTimeClosureRate';
  const fromDay = route.query.get('from');
  const toDay = route.query.get('to');
  const period = { from: fromDay ? cityDay(fromDay) : null, to: toDay ? cityDay(toDay, 1) : null };
  host.innerHTML = `<h2>${ctx.t('考核', 'Assessment')}</h2>`;
  const filters = filterBar(ctx, route, [
    { name: 'unit', label: ctx.t('单位代码', 'Unit code'), type: 'search' },
    { name: 'by', label: ctx.t('排名对象', 'Rank'), options: [
      ['units', ctx.t('下级单位', 'Child units')], ['departments', ctx.t('职能部门', 'Departments')], ['workers', ctx.t('网格员', 'Workers')]] },
    { name: 'from', label: ctx.t('起始日', 'From'), type: 'date' },
    { name: 'to', label: ctx.t('截止日（含）', 'To (inclusive)'), type: 'date' },
  ]);
  if (!route.query.get('unit')) {
    filters.querySelector<HTMLInputElement>('[name=unit]')!.value = unit;
  }
  if (route.query.get('figure')) {
    filters.insertAdjacentHTML('beforeend', `<input type="hidden" name="figure" value="${escapeHtml(figure)}" />`);
  }
  host.append(filters);
  const toolbar = document.createElement('form');
  toolbar.className = 'assessment-tools';
  toolbar.innerHTML = `<button type="button" data-action="export">${ctx.t('导出 CSV', 'Export CSV')}</button>`;
  host.append(toolbar);
  const summary = document.createElement('section');
  summary.className = 'assessment-summary';
  host.append(summary);
  const table = document.createElement('div');
  host.append(table);

  toolbar.querySelector('[data-action=export]')!.addEventListener('click', async () => {
    try {
      const { blob, fileName } = await ctx.api.download('api/v1/kpis/export' + query({ unit, by, ...period }));
      saveFile(blob, fileName ?? `kpis-${unit}.csv`);
    } catch (error) {
      showProblem(toolbar, error, ctx);
    }
  });

  try {
    const [own, ranking] = await Promise.all([
      ctx.api.request<Figures>('GET', 'api/v1/kpis' + query({ unit, ...period })),
      ctx.api.request<Ranking>('GET', 'api/v1/kpis/ranking' + query({ unit, by, figure, ...period })),
    ]);
    summary.innerHTML = `<h3>${escapeHtml(await ctx.unitName(unit))} <small>${escapeHtml(cityDate(ranking.from, ctx.language))} – ${escapeHtml(cityDate(new Date(new Date(ranking.to).getTime() - 1).toISOString(), ctx.language))}</small></h3>
      <dl class="kpi-tiles">${figures.map(([key, zh, en, kind]) => `<div data-field="${key}"><dt>${escapeHtml(ctx.t(zh, en))}</dt><dd data-value="${own[key] ?? ''}">${kind === 'rate' ? percent(own[key] as number | null) : escapeHtml(String(own[key]))}</dd></div>`).join('')}</dl>`;
    const cell = (key: string, value: number | null | undefined, kind: 'rate' | 'count' | 'minutes') =>
      `<td data-field="${escapeHtml(key)}" data-value="${value ?? ''}">${kind === 'rate' ? percent(value) : value === null || value === undefined ? '—' : escapeHtml(String(value))}</td>`;
    const header = (key: string, title: string) => key === figure
      ? `<th scope="col" aria-sort="${['reworkRate', 'extensionRate', 'reopenRate', 'openAtEnd'].includes(key) ? 'ascending' : 'descending'}"><button type="button" data-action="sort" data-figure="${key}" class="sorted">${escapeHtml(title)} ▾</button></th>`
      : `<th scope="col"><button type="button" data-action="sort" data-figure="${key}">${escapeHtml(title)}</button></th>`;
    table.innerHTML = `<table class="list assessment" data-by="${escapeHtml(ranking.by)}" data-figure="${escapeHtml(ranking.figure)}">
      <thead><tr><th scope="col">${ctx.t('名次', 'Rank')}</th><th scope="col">${ctx.t('编码', 'Code')}</th><th scope="col">${ctx.t('名称', 'Name')}</th>
        ${figures.map(([key, zh, en]) => header(key, ctx.t(zh, en))).join('')}
        ${stages.map(([, zh, en]) => `<th scope="col">${escapeHtml(ctx.t(`${zh}时长(分)`, `${en} (min)`))}</th>`).join('')}</tr></thead>
      <tbody>${ranking.items.map((item) => `<tr data-id="${escapeHtml(item.code)}">
        <td data-field="rank">${item.rank ?? '—'}</td><td><code>${escapeHtml(item.code)}</code></td><td>${escapeHtml(item.name)}</td>
        ${figures.map(([key, , , kind]) => cell(key, item.figures[key] as number | null, kind)).join('')}
        ${stages.map(([stage]) => cell(`meanMinutesByStage.${stage}`, item.figures.meanMinutesByStage[stage], 'minutes')).join('')}
      </tr>`).join('')}</tbody></table>
      ${ranking.items.length === 0 ? `<p class="list-empty">${ctx.t('没有记录', 'Nothing here')}</p>` : ''}`;
    table.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=sort]');
      if (button) {
        ctx.navigate('assessment', { unit: route.query.get('unit'), by: route.query.get('by'), from: fromDay, to: toDay, figure: button.dataset.figure });
      }
    });
  } catch (error) {
    showProblem(summary, error, ctx);
  }
}

export const assessmentPage: ConsolePage = {
  path: 'assessment',
  title: { zh: '考核', en: 'Assessment' },
  permissions: ['view-units'],
  mount,
};
