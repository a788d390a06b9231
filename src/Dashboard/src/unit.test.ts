import { describe, expect, it } from 'vitest';
import type { AlertView } from './alerts';
import type { Kpis, UnitMap, UnitView } from './api';
import { LiveState, type LiveItem } from './live';
import { attention, loadUnit, UnitFigures, type UnitReads } from './unit';

const child = (code: string, counters: Record<string, number> = {}) => ({ code, name: `n${code}`, level: 'street', counters });
const district: UnitView = {
  code: '510104', name: '锦江区', level: 'district', parentCode: '5101',
  counters: { workersOnline: 3, alertsFiring: 1 },
  children: [child('510104017', { alertsFiring: 1, incidentsOverdue: 2 }), child('510104018'), child('510104019')],
};
const feature = (code: string) => ({ type: 'Feature', properties: { code } });

/** An API that answers from fixed data, recording the calls. */
function reads(units: Record<string, UnitView>, maps: Record<string, UnitMap>, rates: Record<string, number | null> = {}): UnitReads & { calls: string[] } {
  const calls: string[] = [];
  const alert = (id: string, state: string): AlertView => ({ id, ruleId: 'r', title: 't', severity: 'warning', state, subject: { kind: 'device', id: 'd' }, unitCode: '510104017', raisedAt: '' });
  return {
    calls,
    unit: async (code) => (calls.push(`unit ${code}`), units[code]),
    unitMap: async (code) => (calls.push(`map ${code}`), maps[code]),
    alerts: async (code, state) => (calls.push(`alerts ${code} ${state}`), { items: [alert(`${state}-1`, state)], next: null }),
    allWorkers: async (code) => (calls.push(`workers ${code}`), [{ id: 'w1', gridCode: `${code}001001`, lat: 30.6, lon: 104.1, online: true, onDuty: true }]),
    kpis: async (code): Promise<Kpis> => (calls.push(`kpis ${code}`), { onTimeClosureRate: rates[code] ?? null, satisfactionRate: null, reopenRate: null, count: 1 }),
  };
}

describe('loadUnit', () => {
  it('reads the unit and hands its alerts and its reads of the live kinds over as they arrive', async () => {
    const api = reads({ '510104': district }, { '510104': { type: 'FeatureCollection', features: district.children.map((c) => feature(c.code)) } }, { '510104': 0.9, '510104018': 0.5 });
    const alerts: AlertView[][] = [];
    const items: LiveItem[][] = [];
    const loaded = await loadUnit(api, '510104', { alerts: (a) => alerts.push(a), items: (i) => items.push(i) });
    expect(loaded.unit).toBe(district);
    expect(loaded.map.features).toHaveLength(3);
    expect(alerts).toEqual([[expect.objectContaining({ id: 'firing-1' }), expect.objectContaining({ id: 'acknowledged-1' })]]);
    expect(items[0]).toEqual([expect.objectContaining({ kind: 'worker', id: 'w1' })]);
    expect(items[1]).toEqual([
      { kind: 'kpi', id: '510104', onTimeClosureRate: 0.9, satisfactionRate: null, reopenRate: null, count: 1 },
      { kind: 'kpi', id: '510104017', onTimeClosureRate: null, satisfactionRate: null, reopenRate: null, count: 1 },
      { kind: 'kpi', id: '510104018', onTimeClosureRate: 0.5, satisfactionRate: null, reopenRate: null, count: 1 },
      { kind: 'kpi', id: '510104019', onTimeClosureRate: null, satisfactionRate: null, reopenRate: null, count: 1 },
    ]);
  });

  it('draws a grid (no units below) as itself, cut from its community\'s map', async () => {
    const grid: UnitView = { code: '510104018001001', name: '一网格', level: 'grid', parentCode: '510104018001', counters: {}, children: [] };
    const api = reads({ [grid.code]: grid }, { '510104018001': { type: 'FeatureCollection', features: [feature('510104018001001'), feature('510104018001002')] } });
    const loaded = await loadUnit(api, grid.code, { alerts: () => undefined, items: () => undefined });
    expect(loaded.map.features.map((f) => f.properties.code)).toEqual(['510104018001001']);
    expect(api.calls).toContain('map 510104018001');
    expect(api.calls).not.toContain(`map ${grid.code}`);
  });

  it('reads the rates of the first thirty children only', async () => {
    const many: UnitView = { ...district, children: Array.from({ length: 40 }, (_, n) => child(`510104${String(n).padStart(3, '0')}`)) };
    const api = reads({ '510104': many }, { '510104': { type: 'FeatureCollection', features: [] } });
    await loadUnit(api, '510104', { alerts: () => undefined, items: () => undefined });
    expect(api.calls.filter((c) => c.startsWith('kpis '))).toHaveLength(31);
  });
});

describe('UnitFigures', () => {
  it('counts what needs attention: firing alerts, overdue cases, abnormal key persons', () => {
    expect(attention({ alertsFiring: 1, incidentsOverdue: 2, keyPersonsAbnormal: 3, workersOnline: 50 })).toBe(6);
    expect(attention({})).toBe(0);
  });

  it('takes a unit\'s counters from its latest live item, else from what was read', () => {
    const live = new LiveState();
    const figures = new UnitFigures(district, live);
    expect(figures.counters(district).workersOnline).toBe(3);
    expect(figures.attention(district.children[0])).toBe(3);
    live.apply([{ kind: 'unit', id: '510104017', counters: { alertsFiring: 0, incidentsOverdue: 1 } }, { kind: 'unit', id: '510104', counters: { workersOnline: 7 } }]);
    expect(figures.attention(district.children[0])).toBe(1);
    expect(figures.counters(district).workersOnline).toBe(7);
  });

  it('ranks the children by on-time closure rate, best first, those without one last, twelve at most', () => {
    const live = new LiveState();
    const many: UnitView = { ...district, children: Array.from({ length: 20 }, (_, n) => child(`c${n}`)) };
    live.apply(many.children.map((c, n) => ({ kind: 'kpi', id: c.code, onTimeClosureRate: n < 2 ? null : n / 100 })));
    const figures = new UnitFigures(many, live);
    expect(figures.ranking().map((r) => r.code)).toEqual(['c19', 'c18', 'c17', 'c16', 'c15', 'c14', 'c13', 'c12', 'c11', 'c10', 'c9', 'c8']);
    live.apply([{ kind: 'kpi', id: 'c0', onTimeClosureRate: 1 }]);   // a live KPI replaces what was read
    expect(figures.ranking()[0]).toEqual({ code: 'c0', name: 'nc0', rate: 1 });
  });

  it('counts open cases per stage from the unit\'s latest counters, and takes the unit\'s rates from its latest KPI', () => {
    const live = new LiveState();
    const figures = new UnitFigures({ ...district, counters: { incidentsReported: 4, incidentsHandled: 1 } }, live);
    expect(figures.onTimeClosureRate()).toBeUndefined();
    expect(figures.stageCounts()).toEqual([4, 0, 0, 0, 1]);
    // Cases' own items do not count: a sample of cases is not the unit's totals.
    live.apply([{ kind: 'incident', id: 'i1', stage: 'accepted' }, { kind: 'kpi', id: '510104', onTimeClosureRate: 0.8, closureRate: 0.5, reworkRate: 0.2, extensionRate: 0, satisfactionRate: 0.75, reopenRate: 0.1 }]);
    live.apply([{ kind: 'unit', id: '510104', counters: { incidentsReported: 1, incidentsDispatched: 2, incidentsInProgress: 3 } }]);
    expect(figures.stageCounts()).toEqual([1, 0, 2, 3, 0]);
    expect(figures.rate('closureRate')).toBe(0.5);
    expect(figures.rate('reworkRate')).toBe(0.2);
    expect(figures.rate('extensionRate')).toBe(0);
    expect(figures.onTimeClosureRate()).toBe(0.8);
    expect(figures.rate('satisfactionRate')).toBe(0.75);
    expect(figures.rate('reopenRate')).toBe(0.1);
  });

  it('counts a drill\'s cases (演练) apart, among the counters\' open cases', () => {
    const live = new LiveState();
    const figures = new UnitFigures({ ...district, counters: { incidentsReported: 2, incidentsDispatched: 1 } }, live);
    live.apply([{ kind: 'incident', id: 'i1', stage: 'reported' }, { kind: 'incident', id: 'd1', stage: 'reported', drill: true }, { kind: 'incident', id: 'd2', stage: 'dispatched', drill: true }]);
    expect(figures.stageCounts()).toEqual([2, 0, 1, 0, 0]);
    expect(figures.drillStageCounts()).toEqual([1, 0, 1, 0, 0]);
    live.apply([{ kind: 'incident', id: 'd1', stage: 'cancelled', drill: true }]);   // cleared
    expect(figures.drillStageCounts()).toEqual([0, 0, 1, 0, 0]);
  });

  it('shows online workers within the unit only, and a grid as its own region', () => {
    const live = new LiveState();
    live.apply([
      { kind: 'worker', id: 'w1', gridCode: '510104017001001', online: true, lat: 1, lon: 2 },
      { kind: 'worker', id: 'w2', gridCode: '510104017001002', online: false, lat: 3, lon: 4 },
      { kind: 'worker', id: 'w3', gridCode: '510105002001001', online: true, lat: 5, lon: 6 },
    ]);
    expect(new UnitFigures(district, live).onlineWorkers()).toEqual([{ lat: 1, lon: 2 }]);
    expect(new UnitFigures(district, live).regions().map((r) => r.code)).toEqual(['510104017', '510104018', '510104019']);
    const grid: UnitView = { code: '510104017001001', name: '一网格', level: 'grid', parentCode: '510104017001', counters: { alertsFiring: 2 }, children: [] };
    expect(new UnitFigures(grid, live).regions()).toEqual([{ code: grid.code, name: '一网格', level: 'grid', counters: { alertsFiring: 2 } }]);
  });
});
