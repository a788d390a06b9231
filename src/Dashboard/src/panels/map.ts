import type { Counters, UnitMap } from '../api';
import { echarts, px, type ChartPanel } from '../charts';
import { byId, escapeHtml } from '../dom';
import type { Strings } from '../i18n';
import type { Panel, ScreenView } from './view';

/** Where a map's names go and how wide it is drawn: read once per map, when it is registered. */
interface MapLayout {
  /** Per unit code, a point inside it ([lon, lat], from the map endpoint's labelPoint). */
  labels: Map<string, number[]>;
  /** Degrees of longitude are shorter than degrees of latitude by cos(latitude): so the shapes keep their true proportions. */
  aspectScale: number;
}

/**
 * The map of the unit's children, coloured by what needs attention, named, with online workers as points; a click
 * drills down. The map itself (shapes, names, layout) is drawn once per unit, language and size; every later redraw
 * (live counters, positions: up to five a second) replaces only the data of its series, so a whole city of real
 * district shapes is laid out once, not on every tick.
 */
export class MapPanel implements Panel, ChartPanel {
  private chart!: echarts.ECharts;
  private readonly layouts = new Map<string, MapLayout>();
  /** What the drawn map was drawn for: unit, language, text size. */
  private drawn = '';
  /** The latest view, which the tooltip reads when it shows. */
  private view: ScreenView | null = null;

  constructor(private readonly select: (code: string) => void) {}

  html(t: Strings): string {
    return `<section class="map-panel"><h2 data-text="map">${t.map}</h2><div id="map" class="chart"></div></section>`;
  }

  mount(root: HTMLElement): void {
    this.chart = echarts.init(byId(root, 'map'), undefined, { renderer: 'canvas' });
    // A region (geo) or its name (the labels' series) carries the unit's code as its name.
    this.chart.on('click', (p) => this.select(String((p.data as { code?: string } | undefined)?.code ?? p.name)));
  }

  /** The map of a unit, drawn from then on under its code. */
  register(code: string, map: UnitMap): void {
    echarts.registerMap(code, map as never);
    const labels = new Map<string, number[]>();
    let south = 90;
    let north = -90;
    for (const f of map.features) {
      const point = f.properties.labelPoint;
      if (point?.length === 2) {
        labels.set(f.properties.code, point);
        south = Math.min(south, point[1]);
        north = Math.max(north, point[1]);
      }
    }
    const latitude = labels.size > 0 ? (south + north) / 2 : 30.66;   // 成都's latitude when the map names no points
    this.layouts.set(code, { labels, aspectScale: Math.cos((latitude * Math.PI) / 180) });
    this.drawn = '';
  }

  resize(): void {
    this.chart.resize();
    this.drawn = '';
  }

  render(view: ScreenView): void {
    this.view = view;
    const { t, figures, names } = view;
    const unit = figures.unit;
    const layout = this.layouts.get(unit.code) ?? { labels: new Map<string, number[]>(), aspectScale: 0.86 };
    const regions = figures.regions();
    const data = regions.map((c) => ({ name: c.code, value: figures.attention(c), counters: figures.counters(c) }));
    // The names as a series of their own, so that where they would overlap (small central districts) the more urgent
    // one stays and the other is named by the tooltip over its region.
    const labels = regions.filter((c) => layout.labels.has(c.code))
      .map((c) => ({ name: names.label(c.code, t), code: c.code, value: [...layout.labels.get(c.code)!, figures.attention(c)] }))
      .sort((a, b) => b.value[2] - a.value[2]);   // where names overlap, the first keeps its place
    const workers = figures.onlineWorkers().map((w) => [w.lon, w.lat]);
    const size = px(1);
    const key = `${unit.code}|${t.map}|${size}`;
    if (key === this.drawn) {
      this.chart.setOption({ series: [{ data }, { data: labels }, { data: workers }] });
      return;
    }

    this.drawn = key;
    this.chart.setOption({
      backgroundColor: 'transparent',
      tooltip: {
        trigger: 'item', textStyle: { fontSize: px(0.85) },
        formatter: (p: { name: string; data?: { code?: string } }) => this.tooltip(p.data?.code ?? p.name),
      },
      visualMap: {
        type: 'piecewise', seriesIndex: 0, show: false,
        pieces: [{ max: 0, color: '#16365c' }, { min: 1, max: 2, color: '#b7791f' }, { min: 3, color: '#c53030' }],
      },
      geo: {
        map: unit.code, nameProperty: 'code', roam: false, aspectScale: layout.aspectScale,
        top: '3%', bottom: '3%', left: '3%', right: '3%',   // fitted to the panel, proportions kept
        label: { show: false },
        itemStyle: { areaColor: '#16365c', borderColor: '#63b3ed', borderWidth: 1 },
        emphasis: { itemStyle: { areaColor: '#2c5282' }, label: { show: false } },
        select: { disabled: true },
      },
      series: [
        { type: 'map', geoIndex: 0, data },
        {
          type: 'scatter', coordinateSystem: 'geo', symbolSize: 1, itemStyle: { color: 'transparent' }, data: labels, z: 4,
          // A dense map (成都市's 20 districts, a street's many communities) gets smaller names, so that more of them fit.
          label: { show: true, formatter: '{b}', color: '#e2e8f0', fontSize: px(regions.length > 12 ? 0.7 : 0.85), textBorderColor: '#0b1a2e', textBorderWidth: 2 },
          labelLayout: { hideOverlap: true },
          emphasis: { label: { color: '#fff' } },
        },
        { type: 'scatter', coordinateSystem: 'geo', symbolSize: px(0.3), itemStyle: { color: '#68d391' }, data: workers, silent: true, z: 5 },
      ],
    }, { notMerge: true });
    this.showWhereNamesAre(unit.code, layout);
  }

  /**
   * Where each region's name point is drawn, in pixels of the map's element (`data-points`, JSON code → [x, y]): so a
   * browser check can click a region by its code, whatever the layout (as the console's data-id attributes are for).
   */
  private showWhereNamesAre(code: string, layout: MapLayout): void {
    const points: Record<string, number[]> = {};
    for (const [unit, point] of layout.labels) {
      const pixel = this.chart.convertToPixel({ geoIndex: 0 }, point) as number[] | undefined;
      if (pixel) {
        points[unit] = pixel.map(Math.round);
      }
    }
    const element = this.chart.getDom();
    element.dataset.unit = code;
    element.dataset.points = JSON.stringify(points);
  }

  /** A region's name and figures; names are shown as text, never as markup. */
  private tooltip(code: string): string {
    const region = this.view?.figures.regions().find((r) => r.code === code);
    if (!this.view || !region) {
      return '';
    }
    const { t, figures, names } = this.view;
    const k: Counters = figures.counters(region);
    return `${escapeHtml(names.label(code, t))}<br/>${t.alertsCritical}+${t.alertsWarning}: ${k.alertsFiring ?? 0}<br/>${t.incidentsOverdue}: ${k.incidentsOverdue ?? 0}`
      + `<br/>${t.keyPersonsAbnormal}: ${k.keyPersonsAbnormal ?? 0}<br/>${t.workersOnline}: ${k.workersOnline ?? 0}`;
  }
}
