import { byId } from '../dom';
import { formatNumber, formatRate, type Strings } from '../i18n';
import type { Panel, ScreenView } from './view';

type TileKey = 'workersOnline' | 'workersOnDuty' | 'incidentsOpen' | 'incidentsOverdue' | 'onTimeClosureRate' | 'keyPersonsAbnormal' | 'alertsCritical' | 'alertsWarning' | 'alertsInfo'
  | 'residentsToReRegister' | 'keyPlacesOverdue';

/** The tiles in order, and how each is toned. */
const tiles: [TileKey, '' | 'warn' | 'critical'][] = [
  ['workersOnline', ''], ['workersOnDuty', ''],
  ['incidentsOpen', ''], ['incidentsOverdue', 'warn'],
  ['onTimeClosureRate', ''], ['keyPersonsAbnormal', 'warn'],
  ['alertsCritical', 'critical'], ['alertsWarning', 'warn'], ['alertsInfo', ''],
  ['residentsToReRegister', ''], ['keyPlacesOverdue', 'warn'],
];

/** The KPI tiles: the unit's live counters, and this month's on-time closure rate. */
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
      byId(this.root, `kpi-${key}`).textContent = key === 'onTimeClosureRate'
        ? formatRate(figures.onTimeClosureRate(), language)
        : formatNumber(counters[key] ?? 0, language);
    }
  }
}
