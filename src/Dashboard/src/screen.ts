import type { ApiClient } from './api';
import type { ChartPanel } from './charts';
import { applyTexts } from './dom';
import { saveLanguage, savedLanguage, texts, type Language } from './i18n';
import { ScreenLink } from './link';
import { LiveState, type LiveItem } from './live';
import { AlertFeedPanel } from './panels/alert-feed';
import { ChildrenList } from './panels/children';
import { Header } from './panels/header';
import { KpiTiles } from './panels/kpi-tiles';
import { MapPanel } from './panels/map';
import { PipelinePanel } from './panels/pipeline';
import { RankingPanel } from './panels/ranking';
import type { Panel, ScreenView } from './panels/view';
import type { Session } from './session';
import { loadUnit, UnitFigures, type LoadedUnit } from './unit';

/** The wall screen of one operator: their unit on open, drill-down within their scope, live over the hub. */
export class WallScreen {
  private language: Language = savedLanguage();
  private live = new LiveState();
  /** The live state of a unit being loaded: its reads, and hub items from the start of the load. */
  private staged: LiveState | null = null;
  private figures: UnitFigures | null = null;
  private link: ScreenLink | null = null;
  private redraw: ReturnType<typeof setTimeout> | undefined;
  private readonly header: Header;
  private readonly tiles = new KpiTiles();
  private readonly children = new ChildrenList((code) => void this.drillDown(code));
  private readonly map = new MapPanel((code) => void this.drillDown(code));
  private readonly feed: AlertFeedPanel;
  private readonly pipeline = new PipelinePanel();
  private readonly ranking = new RankingPanel();
  private readonly panels: Panel[];
  private readonly charts: ChartPanel[] = [this.map, this.pipeline, this.ranking];
  private readonly resized = () => {
    this.charts.forEach((c) => c.resize());
    this.render();   // chart text follows the page's scale
  };

  constructor(private readonly root: HTMLElement, private readonly session: Session, private readonly api: ApiClient, private readonly onSignOut: () => void) {
    this.header = new Header(session.username, () => this.language, {
      back: () => void this.drillUp(),
      switchLanguage: () => this.switchLanguage(),
      signOut: () => this.signOut(),
    });
    this.feed = new AlertFeedPanel(api, session, () => this.scheduleRender());
    this.panels = [this.header, this.tiles, this.children, this.map, this.feed, this.pipeline, this.ranking];
  }

  async open(): Promise<void> {
    const t = texts(this.language);
    // The KPI tiles and the list of units below share the left-hand section.
    this.root.innerHTML = `${this.header.html(t)}
      <main>
        <section class="kpis">${this.tiles.html(t)}${this.children.html(t)}</section>
        ${this.map.html(t)}${this.feed.html(t)}${this.pipeline.html(t)}${this.ranking.html(t)}
      </main>`;
    this.panels.forEach((p) => p.mount(this.root));
    window.addEventListener('resize', this.resized);

    const code = location.hash.match(/^#\/unit\/(\d+)$/)?.[1];
    await this.load(code && code.startsWith(this.session.unitCode) ? code : this.session.unitCode);
    this.link = new ScreenLink(this.session, this.figures!.unit.code, {
      event: (e) => {
        this.feed.apply(e);
        this.scheduleRender();
      },
      live: (items) => this.onLive(items),
      state: (s) => this.header.showLink(s, texts(this.language)),
    });
    this.link.start();
  }

  /**
   * Reads a unit, then shows it. Reads and hub traffic apply in the order they arrive (the latest
   * wins); what is shown switches to the new unit at once, when every read is in. False when a
   * later load took its place meanwhile.
   */
  private async load(code: string): Promise<boolean> {
    const live = new LiveState();
    this.staged = live;
    const current = () => this.staged === live;   // no later load has started since
    let read: LoadedUnit;
    try {
      read = await loadUnit(this.api, code, {
        alerts: (alerts) => {
          if (current()) {
            this.feed.stage(alerts);
          }
        },
        items: (items) => live.apply(items),
      });
    } catch (error) {
      if (current()) {
        this.staged = null;
      }
      throw error;
    }
    if (!current()) {
      return false;
    }
    const { unit, map } = read;
    this.staged = null;
    this.live = live;
    this.figures = new UnitFigures(unit, live);
    this.map.register(code, map);
    this.feed.show();
    location.hash = `#/unit/${code}`;
    this.header.showBack(code !== this.session.unitCode && !!unit.parentCode);
    this.render();
    return true;
  }

  private async drillDown(code: string): Promise<void> {
    if (!this.figures?.unit.children.some((c) => c.code === code)) {
      return;   // not a child (a grid has none: it is the bottom of the tree)
    }
    if (await this.load(code)) {
      await this.link?.watch(code);
    }
  }

  private async drillUp(): Promise<void> {
    const unit = this.figures?.unit;
    if (unit?.parentCode && unit.code !== this.session.unitCode && await this.load(unit.parentCode)) {
      await this.link?.watch(unit.parentCode);
    }
  }

  private onLive(items: LiveItem[]): void {
    this.live.apply(items);
    this.staged?.apply(items);
    this.scheduleRender();
  }

  /** Redraws at most every 200 ms, however fast events and live batches arrive. */
  private scheduleRender(): void {
    this.redraw ??= setTimeout(() => {
      this.redraw = undefined;
      this.render();
    }, 200);
  }

  private render(): void {
    if (this.figures) {
      const view: ScreenView = { language: this.language, t: texts(this.language), figures: this.figures };
      this.panels.forEach((p) => p.render(view));
    }
  }

  private switchLanguage(): void {
    this.language = this.language === 'zh' ? 'en' : 'zh';
    saveLanguage(this.language);
    document.documentElement.lang = this.language === 'zh' ? 'zh-CN' : 'en';
    const t = texts(this.language);
    applyTexts(this.root, t);
    this.header.relabel(t);
    this.render();
  }

  private signOut(): void {
    this.link?.stop();
    this.header.close();
    window.removeEventListener('resize', this.resized);
    clearTimeout(this.redraw);
    this.session.signOut();
    this.onSignOut();
  }
}
