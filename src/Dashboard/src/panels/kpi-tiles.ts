import { byId } from '../dom';
import { formatNumber, formatRate, type Strings } from '../i18n';
import type { Panel, ScreenView } from './view';

import type { RateFigure } from '../unit';

type RateKey = RateFigure;
type TileKey = 'workersOnline' | 'workersOnDuty' | 'incidentsOpen' | 'incidentsOverdue' | 'keyPersonsAbnormal' | 'alertsCritical' | 'alertsWarning' | 'alertsInfo' | RateKey
  | 'residentsToReRegister' | 'keyPlacesOverdue';

/**
 * The month's rates: the four of the assessment — on-time closure (按期办结率), closure (结案率), rework (返工率), extension
 * (延期率) — and the residents' satisfaction (满意率) and reopening (重办率).
 */
const rates: readonly TileKey[] = ['onTimeClosureRate', 'closureRate', 'reworkRate', 'extensionRate', 'satisfactionRate', 'reopenRate'];

/** The tiles in order, and how each is toned. */
const tiles: [TileKey, '' | 'warn' | 'critical'][] = [
  ['onTimeClosureRate', ''], ['closureRate', ''], ['reworkRate', 'warn'], ['extensionRate', 'warn'],
  ['satisfactionRate', ''], ['reopenRate', 'warn'],
  ['workersOnline', ''], ['workersOnDuty', ''], ['keyPersonsAbnormal', 'warn'],
  ['incidentsOpen', ''], ['incidentsOverdue', 'warn'], ['alertsCritical', 'critical'],
  ['alertsWarning', 'warn'], ['alertsInfo', ''],
  ['residentsToReRegister', ''], ['keyPlacesOverdue', 'warn'],
];

/** The KPI tiles: the unit's live counters, and this month's rates. */
export class KpiTiles implements Panel {
  private root!: HTMLElement;

  html(t: Strings): string {
    const tile = ([key, tone]: (typeof tiles)[number]) => `<div class="tile ${tone}"><div class="label" data-text="${key}">${t[key]}</div><div class="value" id="kpi-${key}">—</div></div>`;
    return `<div class="tiles">${tiles.map(tile).join('')}</div>`;
  }

  mount(root: HTMLElement): void {
    this.root = root;
  }

  render({ language, figures }: ScreenView): void {
    const counters = figures.counters(figures.unit);
    for (const [key] of tiles) {
      byId(this.root, `kpi-${key}`).textContent = rates.includes(key)
        ? formatRate(figures.rate(key as RateKey), language)
        : formatNumber(counters[key as keyof typeof counters] ?? 0, language);
    }
  }
}
