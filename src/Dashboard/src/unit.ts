import type { AlertView } from './alerts';
import type { ApiClient, Counters, Kpis, UnitChild, UnitMap, UnitView } from './api';
import type { LiveItem, LiveState } from './live';

// One unit as the screen shows it: read from the API on open and on every drill-down, then kept
// current by live items. What is read goes into a LiveState as items of the live kinds (worker,
// incident, kpi), so "the latest wins" is decided in one place: a later live item replaces a read.

/** The open pipeline, in order (cases by stage). */
export const openStages = ['reported', 'accepted', 'dispatched', 'in-progress', 'handled'];

/** The unit counter of each open stage (the server's roll-up: every open case counts once, in its stage, where it is). */
export const stageCounters: Record<string, string> = {
  reported: 'incidentsReported', accepted: 'incidentsAccepted', dispatched: 'incidentsDispatched', 'in-progress': 'incidentsInProgress', handled: 'incidentsHandled',
};

/** The month's rates the screen shows: the four of the assessment (考核) and the residents' two. */
export type RateFigure = 'onTimeClosureRate' | 'closureRate' | 'reworkRate' | 'extensionRate' | 'satisfactionRate' | 'reopenRate';

/** Children whose on-time closure rate is read (one request each) and, of those, how many are shown. */
const rankedChildren = 30;
const rankingShown = 12;

export interface LoadedUnit {
  unit: UnitView;
  /** The map to draw: its children, or a grid (no children) as itself. */
  map: UnitMap;
}

/** Where a load's reads go as each answer arrives, so that hub events and items arriving meanwhile apply after them. */
export interface UnitSink {
  /** The unit's open alerts: firing and acknowledged. */
  alerts(alerts: AlertView[]): void;
  /** Its workers, and the KPIs of the unit and of its ranked children, as live items. */
  items(items: LiveItem[]): void;
}

export type UnitReads = Pick<ApiClient, 'unit' | 'unitMap' | 'alerts' | 'allWorkers' | 'kpis'>;

/** Reads a unit: its counters (cases by stage among them) and children, open alerts, map, workers, KPIs and the children's rates. */
export async function loadUnit(api: UnitReads, code: string, sink: UnitSink): Promise<LoadedUnit> {
  const [unit, firing, acknowledged] = await Promise.all([api.unit(code), api.alerts(code, 'firing'), api.alerts(code, 'acknowledged')]);
  const map = await mapOf(api, unit);
  sink.alerts([...firing.items, ...acknowledged.items]);
  sink.items((await api.allWorkers(code)).map((w) => ({ ...w, kind: 'worker' })));
  const ranked = unit.children.slice(0, rankedChildren);
  const [kpis, childKpis] = await Promise.all([api.kpis(code), Promise.all(ranked.map((c) => api.kpis(c.code)))]);
  sink.items([
    { ...kpis, kind: 'kpi', id: code },
    ...ranked.map((c, n) => ({ ...childKpis[n], kind: 'kpi', id: c.code })),
  ]);
  return { unit, map };
}

/** The unit's children as GeoJSON; a grid (no children) is drawn as itself, cut from its community's map. */
async function mapOf(api: UnitReads, unit: UnitView): Promise<UnitMap> {
  if (unit.children.length > 0 || !unit.parentCode) {
    return api.unitMap(unit.code);
  }
  const parent = await api.unitMap(unit.parentCode);
  return { ...parent, features: parent.features.filter((f) => f.properties.code === unit.code) };
}

/** What needs attention in a unit: firing alerts, overdue cases and abnormal key persons. */
export function attention(counters: Counters): number {
  return (counters.alertsFiring ?? 0) + (counters.incidentsOverdue ?? 0) + (counters.keyPersonsAbnormal ?? 0);
}

export interface RankedUnit {
  code: string;
  name: string;
  rate: number | null | undefined;
}

/** The figures the panels draw, for the unit on screen: the latest live item of each, else what was read. */
export class UnitFigures {
  constructor(readonly unit: UnitView, private readonly live: LiveState) {}

  /** A unit's counters (the unit itself or one of its children). */
  counters(unit: UnitChild): Counters {
    return (this.live.get('unit', unit.code)?.counters as Counters | undefined) ?? unit.counters;
  }

  attention(unit: UnitChild): number {
    return attention(this.counters(unit));
  }

  /** The regions on the map: the children, or a grid (no children) as itself. */
  regions(): UnitChild[] {
    const u = this.unit;
    return u.children.length > 0 ? u.children : [{ code: u.code, name: u.name, level: u.level, counters: u.counters }];
  }

  /** This month's on-time closure rate of the unit. */
  onTimeClosureRate(): number | null | undefined {
    return this.rateOf(this.unit.code);
  }

  /** One of this month's rates of the unit: on-time closure, closure, rework, extension, residents' satisfaction (满意率) or reopening (重办率). */
  rate(figure: RateFigure): number | null | undefined {
    return (this.live.get('kpi', this.unit.code) as Partial<Kpis> | undefined)?.[figure];
  }

  /** The ranked children, best on-time closure rate first (none yet: last), at most twelve. */
  ranking(): RankedUnit[] {
    return this.unit.children.slice(0, rankedChildren)
      .map((c) => ({ code: c.code, name: c.name, rate: this.rateOf(c.code) }))
      .sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1))
      .slice(0, rankingShown);
  }

  /** Open cases per stage, in the order of openStages: the unit's live counters (never a sample of its cases). */
  stageCounts(): number[] {
    const counters = this.counters(this.unit);
    return openStages.map((s) => counters[stageCounters[s]] ?? 0);
  }

  /**
   * Of those, a drill's (演练) per stage, which the screen marks apart: the drill's cases it has seen (their live items carry
   * drill), since the counters count every open case, a drill's too.
   */
  drillStageCounts(): number[] {
    const stages = this.live.all('incident').filter((i) => Boolean(i.drill)).map((i) => i.stage);
    return openStages.map((s) => stages.filter((v) => v === s).length);
  }

  /** Online workers within the unit, where they are. */
  onlineWorkers(): { lat: number; lon: number }[] {
    return this.live.all('worker')
      .filter((w) => w.online && String(w.gridCode ?? '').startsWith(this.unit.code))
      .map((w) => ({ lat: w.lat as number, lon: w.lon as number }));
  }

  private rateOf(code: string): number | null | undefined {
    return (this.live.get('kpi', code) as Partial<Kpis> | undefined)?.onTimeClosureRate;
  }
}
