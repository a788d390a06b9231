import { describe, expect, it } from 'vitest';
import { AlertFeed, supervisionOf, type AlertView } from './alerts';
import type { Envelope } from './cursor';

const alert = (id: string, state: string, raisedAt: string, severity: AlertView['severity'] = 'warning'): AlertView => ({
  id, ruleId: 'r', title: 't', severity, state, subject: { kind: 'device', id: 'd' }, unitCode: '510104017001001', raisedAt,
});
const event = (type: string, view: AlertView, seq = 1): Envelope => ({ seq, districtCode: '510104', unitCode: view.unitCode, type, at: view.raisedAt, data: view as never });

describe('AlertFeed', () => {
  it('lists open alerts newest first and drops resolved ones', () => {
    const feed = new AlertFeed();
    feed.load([alert('a', 'firing', '2026-11-29T01:00:00Z'), alert('b', 'resolved', '2026-11-29T02:00:00Z')]);
    feed.apply(event('alert.raised', alert('c', 'firing', '2026-11-29T03:00:00Z', 'critical')));
    expect(feed.list().map((a) => a.id)).toEqual(['c', 'a']);
    feed.apply(event('alert.resolved', alert('c', 'resolved', '2026-11-29T03:00:00Z', 'critical')));
    expect(feed.list().map((a) => a.id)).toEqual(['a']);
  });

  it('reports a newly raised alert once (to flash it) and keeps who acknowledged it', () => {
    const feed = new AlertFeed();
    const raised = alert('x', 'firing', '2026-11-29T03:00:00Z', 'critical');
    expect(feed.apply(event('alert.raised', raised))?.id).toBe('x');
    expect(feed.apply(event('alert.raised', raised))).toBeNull();
    feed.apply(event('alert.acknowledged', { ...raised, state: 'acknowledged', acknowledgedBy: 'jinjiang.operator' }));
    expect(feed.list()[0].acknowledgedBy).toBe('jinjiang.operator');
  });

  it('keeps the escalation an alert.urged event brings, for the 督办 badge', () => {
    const feed = new AlertFeed();
    const raised = alert('u', 'firing', '2026-11-29T03:00:00Z');
    expect(supervisionOf(raised)).toBeNull();
    feed.apply(event('alert.raised', raised));
    feed.apply(event('alert.escalated', { ...raised, responsibleUnitCode: '510104017', escalationLevel: 2, supervisionCount: 2 }, 2));
    expect(supervisionOf(feed.list()[0])).toEqual({ level: 'street', count: 2 });
    feed.apply(event('alert.urged', { ...raised, responsibleUnitCode: '510104', escalationLevel: 3, supervisionCount: 5 }, 3));
    expect(supervisionOf(feed.list()[0])).toEqual({ level: 'district', count: 5 });
    expect(feed.list()).toHaveLength(1);
  });

  it('ignores events of other families', () => {
    const feed = new AlertFeed();
    expect(feed.apply({ seq: 1, districtCode: '510104', unitCode: '510104', type: 'incident.reported', at: '', data: { id: 'i' } })).toBeNull();
    expect(feed.list()).toEqual([]);
  });
});
