import * as echarts from 'echarts/core';
import { BarChart, MapChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { AlertFeed, type AlertView } from './alerts';
import type { Envelope } from './cursor';
import { formatClock, formatNumber, formatRate, formatTime, texts, type Language } from './i18n';
import { ScreenLink, type LinkState } from './link';
import { LiveState, type LiveItem } from './live';
import type { Session } from './session';

echarts.use([MapChart, ScatterChart, BarChart, GeoComponent, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

type Counters = Record<string, number>;

interface UnitView {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
  counters: Counters;
  children: { code: string; name: string; level: string; counters: Counters }[];
}

interface Kpis {
  onTimeClosureRate: number | null;
  count: number;
}

interface Page<T> {
  items: T[];
  next: string | null;
}

interface IncidentItem {
  id: string;
  stage: string;
}

const openStages = ['reported', 'accepted', 'dispatched', 'in-progress', 'handled'];
const rolesThatAcknowledge = new Set(['admin', 'operator', 'staff', 'worker', 'corrections']);

/** The wall screen of one operator: their unit on open, drill-down within their scope, live over the hub. */
export class WallScreen {
  private language: Language = (localStorage.getItem('opscentre.language') as Language) ?? 'zh';
  private unit!: UnitView;
  private feed = new AlertFeed();
  private readonly live = new LiveState();
  private readonly stages = new Map<string, string>();
  private kpis: Kpis | null = null;
  private ranking: { code: string; name: string; rate: number | null }[] = [];
  private link!: ScreenLink;
  private linkState: LinkState = 'disconnected';
  private map!: echarts.ECharts;
  private pipeline!: echarts.ECharts;
  private rankingChart!: echarts.ECharts;
  private redraw: ReturnType<typeof setTimeout> | undefined;
  private flashing = new Set<string>();

  constructor(private readonly root: HTMLElement, private readonly session: Session, private readonly onSignOut: () => void) {}

  async open(): Promise<void> {
    this.root.innerHTML = this.layout();
    this.map = echarts.init(this.el('map'), undefined, { renderer: 'canvas' });
    this.pipeline = echarts.init(this.el('pipeline'));
    this.rankingChart = echarts.init(this.el('ranking'));
    this.map.on('click', (p) => void this.drillDown(String(p.name)));
    window.addEventListener('resize', () => {
      [this.map, this.pipeline, this.rankingChart].forEach((c) => c.resize());
      this.render();   // chart text follows the page's scale
    });
    this.el('back').addEventListener('click', () => void this.drillUp());
    this.el('children').addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button.child');
      if (button) {
        void this.drillDown(button.dataset.code!);
      }
    });
    this.el('language').addEventListener('click', () => this.switchLanguage());
    this.el('sign-out').addEventListener('click', () => {
      this.link.stop();
      this.session.signOut();
      this.onSignOut();
    });
    this.el('alerts').addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button.ack');
      if (button) {
        void this.acknowledge(button.dataset.id!, button);
      }
    });
    setInterval(() => (this.el('clock').textContent = formatClock(new Date(), this.language)), 1000);

    const code = location.hash.match(/^#\/unit\/(\d+)$/)?.[1];
    await this.load(code && code.startsWith(this.session.unitCode) ? code : this.session.unitCode);
    this.link = new ScreenLink(this.session, this.unit.code, {
      event: (e) => this.onEvent(e),
      live: (items) => this.onLive(items),
      state: (s) => this.onLinkState(s),
    });
    this.link.start();
  }

  private el(id: string): HTMLElement {
    return this.root.querySelector<HTMLElement>(`#${id}`)!;
  }

  private layout(): string {
    const t = texts(this.language);
    const tile = (key: string, label: string, tone = '') => `<div class="tile ${tone}"><div class="label" data-text="${key}">${label}</div><div class="value" id="kpi-${key}">—</div></div>`;
    return `
      <header>
        <div class="title"><span data-text="title">${t.title}</span> · <span id="unit-name"></span></div>
        <nav id="breadcrumb"></nav>
        <button id="back" data-text="back">${t.back}</button>
        <div class="spacer"></div>
        <div id="link-state" data-state="disconnected"><span class="dot"></span><span class="text">${t.disconnected}</span></div>
        <div id="clock"></div>
        <button id="language">${t.language}</button>
        <span class="user">${this.session.username}</span>
        <button id="sign-out" data-text="signOut">${t.signOut}</button>
      </header>
      <main>
        <section class="kpis">
          <div class="tiles">
          ${tile('workersOnline', t.workersOnline)}${tile('workersOnDuty', t.workersOnDuty)}
          ${tile('incidentsOpen', t.incidentsOpen)}${tile('incidentsOverdue', t.incidentsOverdue, 'warn')}
          ${tile('onTimeClosureRate', t.onTimeClosureRate)}${tile('keyPersonsAbnormal', t.keyPersonsAbnormal, 'warn')}
          ${tile('alertsCritical', t.alertsCritical, 'critical')}${tile('alertsWarning', t.alertsWarning, 'warn')}${tile('alertsInfo', t.alertsInfo)}
          </div>
          <h2 class="children-title" data-text="children">${t.children}</h2>
          <ul id="children"></ul>
        </section>
        <section class="map-panel"><h2 data-text="map">${t.map}</h2><div id="map" class="chart"></div></section>
        <section class="feed-panel"><h2 data-text="alertFeed">${t.alertFeed}</h2><ul id="alerts"></ul></section>
        <section class="pipeline-panel"><h2 data-text="pipeline">${t.pipeline}</h2><div id="pipeline" class="chart"></div></section>
        <section class="ranking-panel"><h2 data-text="ranking">${t.ranking}</h2><div id="ranking" class="chart"></div></section>
      </main>`;
  }

  /** Loads a unit: its counters and children, its map, open alerts, cases by stage, KPIs and the children's ranking. */
  private async load(code: string): Promise<void> {
    const [unit, firing, acknowledged] = await Promise.all([
      this.session.get<UnitView>(`api/v1/units/${code}`),
      this.session.get<Page<AlertView>>(`api/v1/alerts?unit=${code}&state=firing&limit=200`),
      this.session.get<Page<AlertView>>(`api/v1/alerts?unit=${code}&state=acknowledged&limit=200`),
    ]);
    this.unit = unit;
    echarts.registerMap(code, await this.mapOf(unit) as never);
    this.feed = new AlertFeed();
    this.feed.load([...firing.items, ...acknowledged.items]);
    this.live.clear();
    await this.loadWorkers(code);
    location.hash = `#/unit/${code}`;
    this.el('back').toggleAttribute('hidden', code === this.session.unitCode || !unit.parentCode);
    await this.loadFigures();
    this.render();
  }

  /** Where the unit's workers are now (from their grains), until live items move them. */
  private async loadWorkers(code: string): Promise<void> {
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const workers: Page<{ id: string; gridCode: string; lat: number; lon: number; online: boolean; onDuty: boolean }> =
        await this.session.get(`api/v1/workers?unit=${code}&limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      this.live.apply(workers.items.map((w) => ({ kind: 'worker', ...w })));
      after = workers.next;
      if (!after) {
        break;
      }
    }
  }

  /** The unit's children as GeoJSON; a grid (no children) is drawn as itself, cut from its community's map. */
  private async mapOf(unit: UnitView): Promise<{ type: string; features: { properties: { code: string } }[] }> {
    if (unit.children.length > 0 || !unit.parentCode) {
      return this.session.get(`api/v1/units/${unit.code}/map`);
    }
    const parent = await this.session.get<{ type: string; features: { properties: { code: string } }[] }>(`api/v1/units/${unit.parentCode}/map`);
    return { ...parent, features: parent.features.filter((f) => f.properties.code === unit.code) };
  }

  /** Cases by stage, the unit's KPIs and its children's on-time closure rates, read on load; live `incident` and `kpi` items keep them current. */
  private async loadFigures(): Promise<void> {
    const code = this.unit.code;
    const [incidents, kpis, ranking] = await Promise.all([
      this.session.get<Page<IncidentItem>>(`api/v1/incidents?unit=${code}&limit=1000`),
      this.session.get<Kpis>(`api/v1/kpis?unit=${code}`),
      Promise.all(this.unit.children.slice(0, 30).map(async (c) => ({ code: c.code, name: c.name, rate: (await this.session.get<Kpis>(`api/v1/kpis?unit=${c.code}`)).onTimeClosureRate }))),
    ]);
    this.stages.clear();
    incidents.items.forEach((i) => this.stages.set(i.id, i.stage));
    this.kpis = kpis;
    this.ranking = ranking;
  }

  private async drillDown(code: string): Promise<void> {
    if (!this.unit.children.some((c) => c.code === code)) {
      return;   // not a child (a grid has none: it is the bottom of the tree)
    }
    await this.load(code);
    await this.link.watch(code);
  }

  private async drillUp(): Promise<void> {
    if (this.unit.parentCode && this.unit.code !== this.session.unitCode) {
      await this.load(this.unit.parentCode);
      await this.link.watch(this.unit.code);
    }
  }

  private onEvent(e: Envelope): void {
    const raised = this.feed.apply(e);
    if (raised?.severity === 'critical') {
      this.flashing.add(raised.id);
      setTimeout(() => this.flashing.delete(raised.id), 30_000);
      beep();
    }
    this.scheduleRender();
  }

  private onLive(items: LiveItem[]): void {
    this.live.apply(items);
    for (const item of items) {
      if (item.kind === 'incident' && typeof item.stage === 'string') {
        this.stages.set(item.id, item.stage);
      }
      if (item.kind === 'kpi' && item.id === this.unit.code) {
        this.kpis = item as unknown as Kpis;
      }
      const ranked = this.ranking.find((r) => r.code === item.id);
      if (item.kind === 'kpi' && ranked) {
        ranked.rate = (item as unknown as Kpis).onTimeClosureRate;
      }
    }
    this.scheduleRender();
  }

  private onLinkState(state: LinkState): void {
    this.linkState = state;
    const t = texts(this.language);
    const el = this.el('link-state');
    el.dataset.state = state;
    el.querySelector('.text')!.textContent = state === 'live' ? t.connected : state === 'catching-up' ? t.catchingUp : t.disconnected;
  }

  /** Redraws at most every 200 ms, however fast events and live batches arrive. */
  private scheduleRender(): void {
    this.redraw ??= setTimeout(() => {
      this.redraw = undefined;
      this.render();
    }, 200);
  }

  private counters(code: string, fallback: Counters): Counters {
    return ((this.live.get('unit', code)?.counters as Counters | undefined) ?? fallback);
  }

  private render(): void {
    const t = texts(this.language);
    const unit = this.unit;
    document.title = `${unit.name} · ${t.title}`;
    this.el('unit-name').textContent = unit.name;
    this.el('breadcrumb').textContent = `${t.levels[unit.level] ?? unit.level} ${unit.code}`;
    const counters = this.counters(unit.code, unit.counters);
    for (const key of ['workersOnline', 'workersOnDuty', 'incidentsOpen', 'incidentsOverdue', 'keyPersonsAbnormal', 'alertsCritical', 'alertsWarning', 'alertsInfo']) {
      this.el(`kpi-${key}`).textContent = formatNumber(counters[key] ?? 0, this.language);
    }
    this.el('kpi-onTimeClosureRate').textContent = formatRate(this.kpis?.onTimeClosureRate, this.language);
    this.renderChildren();
    this.renderAlerts();
    this.renderMap();
    this.renderPipeline();
    this.renderRanking();
  }

  /** The children as a list beside the map: their names and what needs attention, each a way down the tree. */
  private renderChildren(): void {
    this.el('children').innerHTML = this.unit.children.map((c) => {
      const k = this.counters(c.code, c.counters);
      const attention = (k.alertsFiring ?? 0) + (k.incidentsOverdue ?? 0) + (k.keyPersonsAbnormal ?? 0);
      return `<li><button class="child ${attention > 0 ? 'attention' : ''}" data-code="${c.code}">
        <span class="name">${escapeHtml(c.name)}</span><span class="count">${formatNumber(attention, this.language)}</span></button></li>`;
    }).join('');
  }

  private renderAlerts(): void {
    const t = texts(this.language);
    const mayAck = rolesThatAcknowledge.has(this.session.role);
    const items = this.feed.list().filter((a) => a.unitCode.startsWith(this.unit.code)).slice(0, 50);
    this.el('alerts').innerHTML = items.length === 0
      ? `<li class="empty">${t.noAlerts}</li>`
      : items.map((a) => `
        <li class="alert-item ${a.severity} ${this.flashing.has(a.id) && a.state === 'firing' ? 'flash' : ''}" data-id="${a.id}" data-state="${a.state}" data-subject="${escapeHtml(a.subject.id)}" data-rule="${escapeHtml(a.ruleId)}">
          <span class="severity">${t.severities[a.severity] ?? a.severity}</span>
          <span class="time">${formatTime(a.raisedAt, this.language)}</span>
          <span class="what">${escapeHtml(a.title)}</span>
          <span class="where">${a.unitCode}</span>
          ${a.state === 'acknowledged'
            ? `<span class="acked-by">${t.acknowledgedBy} · ${escapeHtml(a.acknowledgedBy ?? '')}</span>`
            : mayAck ? `<button class="ack" data-id="${a.id}">${t.acknowledge}</button>` : ''}
        </li>`).join('');
  }

  private renderMap(): void {
    const names = new Map(this.unit.children.map((c) => [c.code, c.name]));
    const regions = this.unit.children.length > 0 ? this.unit.children : [{ code: this.unit.code, name: this.unit.name, level: this.unit.level, counters: this.unit.counters }];
    names.set(this.unit.code, this.unit.name);
    const data = regions.map((c) => {
      const k = this.counters(c.code, c.counters);
      return { name: c.code, value: (k.alertsFiring ?? 0) + (k.incidentsOverdue ?? 0) + (k.keyPersonsAbnormal ?? 0), counters: k };
    });
    const workers = this.live.all('worker').filter((w) => w.online && String(w.gridCode ?? '').startsWith(this.unit.code));
    const t = texts(this.language);
    this.map.setOption({
      backgroundColor: 'transparent',
      tooltip: {
        trigger: 'item', textStyle: { fontSize: px(0.85) },
        formatter: (p: { name: string; data?: { counters?: Counters } }) => {
          const k = p.data?.counters;
          return k ? `${names.get(p.name) ?? p.name}<br/>${t.alertsCritical}+${t.alertsWarning}: ${k.alertsFiring ?? 0}<br/>${t.incidentsOverdue}: ${k.incidentsOverdue ?? 0}<br/>${t.keyPersonsAbnormal}: ${k.keyPersonsAbnormal ?? 0}<br/>${t.workersOnline}: ${k.workersOnline ?? 0}` : '';
        },
      },
      visualMap: {
        type: 'piecewise', seriesIndex: 0, show: false,
        pieces: [{ max: 0, color: '#16365c' }, { min: 1, max: 2, color: '#b7791f' }, { min: 3, color: '#c53030' }],
      },
      geo: {
        map: this.unit.code, nameProperty: 'code', roam: false, layoutSize: '95%',
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

  private renderPipeline(): void {
    const t = texts(this.language);
    const counts = openStages.map((s) => [...this.stages.values()].filter((v) => v === s).length);
    this.pipeline.setOption({
      grid: { left: '3%', right: '4%', top: 10, bottom: 30, containLabel: true },
      xAxis: { type: 'category', data: openStages.map((s) => t.stages[s]), axisLabel: { color: '#cbd5e0', fontSize: px(0.9) } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#cbd5e0', fontSize: px(0.8) }, splitLine: { lineStyle: { color: '#2d3748' } } },
      series: [{ type: 'bar', data: counts, itemStyle: { color: '#4299e1' }, label: { show: true, position: 'top', color: '#e2e8f0', fontSize: px(0.9) } }],
    });
  }

  private renderRanking(): void {
    const ranked = [...this.ranking].sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1)).slice(0, 12).reverse();
    this.rankingChart.setOption({
      grid: { left: '3%', right: '10%', top: 10, bottom: 10, containLabel: true },
      xAxis: { type: 'value', max: 1, axisLabel: { color: '#cbd5e0', fontSize: px(0.75), formatter: (v: number) => formatRate(v, this.language) }, splitLine: { lineStyle: { color: '#2d3748' } } },
      yAxis: { type: 'category', data: ranked.map((r) => r.name), axisLabel: { color: '#cbd5e0', fontSize: px(0.8), interval: 0 } },
      series: [{ type: 'bar', data: ranked.map((r) => r.rate ?? 0), itemStyle: { color: '#38b2ac' },
        label: { show: true, position: 'right', color: '#e2e8f0', fontSize: px(0.8), formatter: (p: { dataIndex: number }) => formatRate(ranked[p.dataIndex].rate, this.language) } }],
    });
  }

  private async acknowledge(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      // The same authorised API as any console; every screen hears the result as alert.acknowledged.
      const view = await this.session.post<AlertView>(`api/v1/alerts/${id}/ack`, { opId: `screen-ack-${id}-${this.session.username}`, note: '' });
      this.feed.apply({ seq: 0, districtCode: '', unitCode: view.unitCode, type: 'alert.acknowledged', at: '', data: view as never });
      this.scheduleRender();
    } catch {
      button.disabled = false;
    }
  }

  private switchLanguage(): void {
    this.language = this.language === 'zh' ? 'en' : 'zh';
    localStorage.setItem('opscentre.language', this.language);
    document.documentElement.lang = this.language === 'zh' ? 'zh-CN' : 'en';
    const t = texts(this.language) as unknown as Record<string, string>;
    this.root.querySelectorAll<HTMLElement>('[data-text]').forEach((el) => (el.textContent = t[el.dataset.text!]));
    this.el('language').textContent = t.language;
    this.onLinkState(this.linkState);
    this.render();
  }
}

/** Chart text in pixels, following the page's root font size (which follows the viewport): the same look at 1080p and 4K. */
function px(rem: number): number {
  return Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * rem);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

let audio: AudioContext | undefined;

/** A short tone for a critical alert (browsers allow it once the operator has interacted with the page). */
function beep(): void {
  try {
    audio ??= new AudioContext();
    const oscillator = audio.createOscillator();
    oscillator.frequency.value = 880;
    oscillator.connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.25);
  } catch {
    // No audio device on this screen: the flash is enough.
  }
}
