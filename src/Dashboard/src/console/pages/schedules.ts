import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage } from '../context';
import { clearProblems, formValues, newOpId, showProblem } from '../forms';
import './admin.css';

// 监管计划: how often a key person of each supervision level (严管 strict, 普管 ordinary, 宽管 lenient) checks in and is
// visited (GET /api/v1/supervision-schedules); a city administrator sets a level's intervals (PUT …/{level},
// data-action="change", ISO 8601 durations: 400 at `checkInEvery` / `visitEvery`). The three levels are fixed — there is
// nothing to create; running key persons use a change within a second (docs/administration.md).

interface ScheduleItem { level: string; checkInEvery: string; visitEvery: string }

const levels: Record<string, [string, string]> = { strict: ['严管', 'Strict'], ordinary: ['普管', 'Ordinary'], lenient: ['宽管', 'Lenient'] };

async function mount(host: HTMLElement, ctx: ConsoleContext): Promise<void> {
  const mayChange = ctx.can('manage-city-settings') && ctx.me.unitCode.length === 4;
  const page = await ctx.api.request<{ items: ScheduleItem[] }>('GET', 'api/v1/supervision-schedules');
  host.innerHTML = `<h2>${ctx.t('监管计划', 'Supervision schedules')}</h2>
    <p class="note">${ctx.t('各监管等级的报到与走访间隔（ISO 8601，如 PT12H、P7D）。', 'Check-in and visit intervals per supervision level (ISO 8601, e.g. PT12H, P7D).')}
      ${mayChange ? '' : ctx.t('由市级管理员维护，此处只读。', 'Kept by the city administrators; read-only here.')}</p>
    <table class="list schedules"><thead><tr><th scope="col">${ctx.t('监管等级', 'Level')}</th><th scope="col">${ctx.t('报到间隔', 'Check in every')}</th>
      <th scope="col">${ctx.t('走访间隔', 'Visit every')}</th><th scope="col"></th></tr></thead>
    <tbody>${page.items.map((s) => `<tr data-id="${escapeHtml(s.level)}"><td>${escapeHtml(levels[s.level] ? ctx.t(...levels[s.level]) : s.level)}</td>
      <td colspan="3"><form class="admin-form schedule-form" data-level="${escapeHtml(s.level)}">
        <input name="checkInEvery" aria-label="${ctx.t('报到间隔', 'Check in every')}" value="${escapeHtml(s.checkInEvery)}" ${mayChange ? '' : 'disabled'} />
        <input name="visitEvery" aria-label="${ctx.t('走访间隔', 'Visit every')}" value="${escapeHtml(s.visitEvery)}" ${mayChange ? '' : 'disabled'} />
        ${mayChange ? `<button type="submit" data-action="change">${ctx.t('保存', 'Save')}</button>` : ''}
        <span class="saved" role="status" hidden>${ctx.t('已保存', 'Saved')}</span>
      </form></td></tr>`).join('')}</tbody></table>`;
  for (const form of host.querySelectorAll<HTMLFormElement>('.schedule-form')) {
    let opId = newOpId('schedule');
    const saved = form.querySelector<HTMLElement>('.saved')!;
    form.addEventListener('input', () => { opId = newOpId('schedule'); saved.hidden = true; });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = formValues(form);
      try {
        const stored = await ctx.api.request<ScheduleItem>('PUT', `api/v1/supervision-schedules/${encodeURIComponent(form.dataset.level!)}`,
          { opId, checkInEvery: v.checkInEvery ?? '', visitEvery: v.visitEvery ?? '' });
        form.querySelector<HTMLInputElement>('[name=checkInEvery]')!.value = stored.checkInEvery;
        form.querySelector<HTMLInputElement>('[name=visitEvery]')!.value = stored.visitEvery;
        clearProblems(form);
        saved.hidden = false;
        opId = newOpId('schedule');
      } catch (error) {
        showProblem(form, error, ctx);
      }
    });
  }
}

export const schedulesPage: ConsolePage = {
  path: 'schedules',
  title: { zh: '监管计划', en: 'Schedules' },
  permissions: ['manage-city-settings'],
  mount,
};
