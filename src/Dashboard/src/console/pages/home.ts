import type { UnitView } from '../../api';
import { escapeHtml } from '../../dom';
import { formatNumber } from '../../i18n';
import type { ConsolePage } from '../context';

/** 首页: the caller's unit with its live counters, and where the desk's work starts. */
export const homePage: ConsolePage = {
  path: 'home',
  title: { zh: '首页', en: 'Home' },
  permissions: ['view-units'],
  async mount(host, ctx) {
    const unit = await ctx.api.request<UnitView>('GET', `api/v1/units/${ctx.me.unitCode}`);
    const counters: [string, string, string][] = [
      ['incidentsOpen', '在办事件', 'Open cases'], ['incidentsOverdue', '超期事件', 'Overdue cases'],
      ['alertsCritical', '严重告警', 'Critical alerts'], ['alertsWarning', '一般告警', 'Warnings'],
      ['workersOnline', '在线网格员', 'Workers online'], ['keyPersonsAbnormal', '重点人员异常', 'Key persons abnormal'],
    ];
    host.innerHTML = `
      <h2>${escapeHtml(unit.name)}</h2>
      <dl class="counters">${counters.map(([key, zh, en]) => `<div data-counter="${key}"><dt>${ctx.t(zh, en)}</dt><dd>${formatNumber(unit.counters[key] ?? 0, ctx.language)}</dd></div>`).join('')}</dl>`;
  },
};
