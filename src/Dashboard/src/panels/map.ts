import type { Counters, UnitMap } from '../api';
import { echarts, px, type ChartPanel } from '../charts';
import { byId, escapeHtml } from '../dom';
import type { Strings } from '../i18n';
import type { Panel, ScreenView } from './view';

/** The map of the unit's children, coloured by what needs attention, with online workers as points; a click drills down. */
export class MapPanel implements Panel, ChartPanel {
  private chart!: echarts.ECharts;

  constructor(private readonly select: (code: string) => void) {}

  html(t: Strings): string {
    return `<section class="map-panel"><h2 data-text="map">${t.map}</h2><div id="map" class="chart"></div></section>`;
  }

  mount(root: HTMLElement): void {
    this.chart = echarts.init(byId(root, 'map'), undefined, { renderer: 'canvas' });
    this.chart.on('click', (p) => this.select(String(p.name)));
  }

  /** The map of a unit, drawn from then on under its code. */
  register(code: string, map: UnitMap): void {
    echarts.registerMap(code, map as never);
  }

  resize(): void {
    this.chart.resize();
  }

  render({ t, figures }: ScreenView): void {
    const unit = figures.unit;
    const names = new Map(unit.children.map((c) => [c.code, c.name]));
    names.set(unit.code, unit.name);
    const data = figures.regions().map((c) => {
      const k = figures.counters(c);
      return { name: c.code, value: figures.attention(c), counters: k };
    });
    const workers = figures.onlineWorkers();
    this.chart.setOption({
      backgroundColor: 'transparent',
      tooltip: {
        trigger: 'item', textStyle: { fontSize: px(0.85) },
        formatter: (p: { name: string; data?: { counters?: Counters } }) => {
          const k = p.data?.counters;
          // Names come from the map's data: shown as text, never as markup.
          return k ? `${escapeHtml(names.get(p.name) ?? p.name)}<br/>${t.alertsCritical}+${t.alertsWarning}: ${k.alertsFiring ?? 0}<br/>${t.incidentsOverdue}: ${k.incidentsOverdue ?? 0}<br/>${t.keyPersonsAbnormal}: ${k.keyPersonsAbnormal ?? 0}<br/>${t.workersOnline}: ${k.workersOnline ?? 0}` : '';
        },
      },
      visualMap: {
        type: 'piecewise', seriesIndex: 0, show: false,
        pieces: [{ max: 0, color: '#16365c' }, { min: 1, max: 2, color: '#b7791f' }, { min: 3, color: '#c53030' }],
      },
      geo: {
        map: unit.code, nameProperty: 'code', roam: false, layoutSize: '95%',
        label: { show: true, color: '#e2e8f0', fontSize: px(0.85), formatter: (p: { name: string }) => names.get(p.name) ?? p.name },
        itemStyle: { areaColor: '#16365c', borderColor: '#63b3ed', borderWidth: 1 },
        emphasis: { itemStyle: { areaColor: '#2c5282' }, label: { color: '#fff' } },
      },
      series: [
        { type: 'map', geoIndex: 0, data },
        { type: 'scatter', coordinateSystem: 'geo', symbolSize: px(0.3), itemStyle: { color: '#68d391' }, data: workers.map((w) => [w.lon, w.lat]), silent: true },
      ],
    }, { notMerge: true });
  }
}
