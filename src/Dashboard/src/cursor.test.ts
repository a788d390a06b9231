import { describe, expect, it } from 'vitest';
import { EventCursor, type Envelope } from './cursor';

const event = (seq: number, districtCode = '510104'): Envelope => ({ seq, districtCode, unitCode: districtCode, type: 'probe', at: '2026-11-29T00:00:00Z', data: { id: `e${seq}` } });

describe('EventCursor', () => {
  it('subscribes without a cursor until something was seen, then with the last seq per district', () => {
    const cursor = new EventCursor();
    expect(cursor.cursor).toBeNull();
    cursor.started({ '510104': 10 }, { '510104': 12 });
    expect(cursor.cursor).toEqual({ '510104': 10 });
    expect(cursor.accept(event(11))).toBe(true);
    expect(cursor.cursor).toEqual({ '510104': 11 });
  });

  it('accepts each event once, in order, and drops replayed duplicates after a reconnect', () => {
    const cursor = new EventCursor();
    cursor.started({ '510104': 0 }, { '510104': 0 });
    expect([1, 2, 3].map((s) => cursor.accept(event(s)))).toEqual([true, true, true]);
    cursor.started({ '510104': 2 }, { '510104': 5 });   // a server that replays from an older point
    expect([3, 4, 5].map((s) => cursor.accept(event(s)))).toEqual([false, true, true]);
  });

  it('is caught up only when every district reached the head reported at subscription', () => {
    const cursor = new EventCursor();
    cursor.started({ '510104': 3, '510105': 7 }, { '510104': 5, '510105': 7 });
    expect(cursor.caughtUp).toBe(false);
    cursor.accept(event(4));
    expect(cursor.caughtUp).toBe(false);
    cursor.accept(event(5));
    expect(cursor.caughtUp).toBe(true);
  });

  it('lets a watermark carry a street screen past the district events it does not see', () => {
    const cursor = new EventCursor();
    cursor.started({ '510104': 3 }, { '510104': 9 });
    cursor.watermark('510104', 9);
    expect(cursor.caughtUp).toBe(true);
    expect(cursor.accept(event(8))).toBe(false);
    cursor.watermark('510104', 4);   // an older watermark never moves the cursor back
    expect(cursor.cursor).toEqual({ '510104': 9 });
  });
});
