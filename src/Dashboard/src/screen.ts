import type { ApiClient } from './api';
import type { ChartPanel } from './charts';
import { applyTexts } from './dom';
import { saveLanguage, savedLanguage, texts, type Language } from './i18n';
import { ScreenLink } from './link';
import { LiveState, type LiveItem } from './live';
import { AlertFeedPanel } from './panels/alert-feed';
import { CampaignsPanel } from './panels/campaigns';
import { ChildrenList } from './panels/children';
import { Header } from './panels/header';
import { KpiTiles } from './panels/kpi-tiles';
import { MapPanel } from './panels/map';
import { SubjectNames, UnitNames } from './names';
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
  /** Units' names for every code on screen: learnt from the reads, the rest asked in batches. */
  private readonly names: UnitNames;
  /** Who the alerts are about (workers, key persons masked, devices' persons), asked in batches. */
  private readonly subjects: SubjectNames;
  private readonly feed: AlertFeedPanel;
  /** 专项整治: each open campaign's grids, moved by `campaign.progress`. */
  private readonly campaigns: CampaignsPanel;
  private readonly pipeline = new PipelinePanel();
  private readonly ranking = new RankingPanel();
  private readonly panels: Panel[];
  private readonly charts: ChartPanel[] = [this.map, this.pipeline, this.ranking];
  private readonly resized = () => {
    this.charts.forEach((c) => c.resize());
    this.render();   // chart text follows the page's scale
  };

  constructor(private readonly root: HTMLElement, private readonly session: Session, private readonly api: ApiClient, private readonly onSignOut: () => void) {
    this.names = new UnitNames((codes) => api.unitNames(codes), () => this.scheduleRender());
    this.subjects = new SubjectNames((keys) => api.subjectNames(keys), () => this.scheduleRender());
    this.header = new Header(session.username, session.unitCode, () => this.language, {
      back: () => void this.drillUp(),
      go: (code) => void this.go(code),
      switchLanguage: () => this.switchLanguage(),
      signOut: () => this.signOut(),
    });
    this.feed = new AlertFeedPanel(api, session, () => this.scheduleRender());
    this.campaigns = new CampaignsPanel(api, () => this.scheduleRender());
    this.panels = [this.header, this.tiles, this.children, this.campaigns, this.map, this.feed, this.pipeline, this.ranking];
  }

  async open(): Promise<void> {
    const t = texts(this.language);
    // The KPI tiles and the list of units below share the left-hand section.
    this.root.innerHTML = `${this.header.html(t)}
      <main>
        <section class="kpis">${this.tiles.html(t)}${this.children.html(t)}${this.campaigns.html(t)}</section>
        ${this.map.html(t)}${this.feed.html(t)}${this.pipeline.html(t)}${this.ranking.html(t)}
      </main>`;
    this.panels.forEach((p) => p.mount(this.root));
    window.addEventListener('resize', this.resized);
    window.addEventListener('hashchange', this.hashChanged);

    // The unit the address names, if it is within the operator's; one that cannot be read (gone, mistyped) gives way to theirs.
    const code = unitInHash();
    const opened = code && code.startsWith(this.session.unitCode) && await this.load(code, 'replace').catch(() => false);
    if (!opened) {
      await this.load(this.session.unitCode, 'replace');
    }
    this.link = new ScreenLink(this.session, this.figures!.unit.code, {
      event: (e) => {
        this.feed.apply(e);
        this.campaigns.apply(e);
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
  private async load(code: string, history: 'push' | 'replace' | 'keep' = 'push'): Promise<boolean> {
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
    this.names.learnUnits([unit, ...unit.children]);
    this.names.learnUnits(map.features.flatMap((f) => (f.properties.name ? [{ code: f.properties.code, name: f.properties.name }] : [])));
    this.map.register(code, map);
    this.feed.show();
    void this.campaigns.show(code);
    // Where the screen is, in the address: a drill-down is a step of the browser's history, so its back button goes up again.
    if (history === 'push' && unitInHash() !== code) {
      location.hash = `#/unit/${code}`;
    } else if (history === 'replace') {
      window.history.replaceState(null, '', `#/unit/${code}`);
    }
    this.header.showBack(code !== this.session.unitCode && !!unit.parentCode);
    this.render();
    return true;
  }

  private async drillDown(code: string): Promise<void> {
    if (this.figures?.unit.children.some((c) => c.code === code)) {
      await this.go(code);   // a grid has no children: it is the bottom of the tree
    }
  }

  private async drillUp(): Promise<void> {
    const unit = this.figures?.unit;
    if (unit?.parentCode) {
      await this.go(unit.parentCode);
    }
  }

  /** Shows another unit within the operator's own (the server refuses any other anyway) and watches it. */
  private async go(code: string, history: 'push' | 'keep' = 'push'): Promise<void> {
    if (!code.startsWith(this.session.unitCode) || code === this.figures?.unit.code) {
      return;
    }
    try {
      if (await this.load(code, history)) {
        await this.link?.watch(code);
      }
    } catch {
      // Not a unit this screen can read (an address edited by hand): stay where it is, and say so in the address.
      if (this.figures) {
        window.history.replaceState(null, '', `#/unit/${this.figures.unit.code}`);
      }
    }
  }

  /** The browser's back and forward buttons (or an edited address): the unit the address names. */
  private readonly hashChanged = () => {
    const code = unitInHash();
    if (code) {
      void this.go(code, 'keep');
    }
  };

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
      const view: ScreenView = { language: this.language, t: texts(this.language), figures: this.figures, names: this.names, subjects: this.subjects };
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
    window.removeEventListener('hashchange', this.hashChanged);
    clearTimeout(this.redraw);
    this.session.signOut();
    this.onSignOut();
  }
}

/** The unit the address names (#/unit/510104022), if any. */
function unitInHash(): string | undefined {
  return location.hash.match(/^#\/unit\/(\d+)$/)?.[1];
}
