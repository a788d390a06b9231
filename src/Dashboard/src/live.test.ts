import { describe, expect, it } from 'vitest';
import { LiveState } from './live';

describe('LiveState', () => {
  it('keeps the latest item per kind and id', () => {
    const live = new LiveState();
    live.apply([{ kind: 'worker', id: 'w1', lat: 1 }, { kind: 'worker', id: 'w1', lat: 2 }, { kind: 'unit', id: '510104', counters: {} }]);
    expect(live.get('worker', 'w1')?.lat).toBe(2);
    expect(live.all('worker')).toHaveLength(1);
    live.apply([{ kind: 'worker', id: 'w2', lat: 3 }]);
    expect(live.all('worker').map((w) => w.id).sort()).toEqual(['w1', 'w2']);
  });

  it('does not mix kinds that share an id', () => {
    const live = new LiveState();
    live.apply([{ kind: 'unit', id: '510104', v: 1 }, { kind: 'kpi', id: '510104', v: 2 }]);
    expect(live.get('unit', '510104')?.v).toBe(1);
    expect(live.get('kpi', '510104')?.v).toBe(2);
  });

  it('forgets everything on clear (a drill-down starts from the new unit\'s own reads)', () => {
    const live = new LiveState();
    live.apply([{ kind: 'worker', id: 'w1' }, { kind: 'unit', id: '510104' }]);
    live.clear();
    expect(live.get('worker', 'w1')).toBeUndefined();
    expect(live.all('unit')).toEqual([]);
  });
});
