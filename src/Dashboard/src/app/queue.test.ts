import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { nextSeq, openAppDb, Queue, type Outcome, type QueueItem, type Sender } from './queue';

// The queue's order, batching and outcomes, on IndexedDB (fake-indexeddb: the same API in memory) with a sender that
// records what it was given; the device API itself is tested against the real gateway (WorkerAppBrowserTests).

let dbs = 0;
async function freshQueue(): Promise<Queue> {
  return new Queue(await openAppDb(`test-${++dbs}`));
}

function item(kind: QueueItem['kind'], k: number): QueueItem {
  return { kind, opId: `op-${k}`, at: new Date(1_700_000_000_000 + k).toISOString(), body: { opId: `op-${k}`, k }, label: `${kind} ${k}` };
}

class Recording implements Sender {
  calls: string[][] = [];
  constructor(private readonly answer: (item: QueueItem) => Outcome = () => ({ kind: 'done' })) {}
  async statuses(items: QueueItem[]): Promise<Outcome[]> {
    this.calls.push(items.map((i) => i.opId));
    return items.map(this.answer);
  }
  async one(item: QueueItem): Promise<Outcome> {
    this.calls.push([item.opId]);
    return this.answer(item);
  }
}

describe('the offline queue', () => {
  it('sends 500 items in the order recorded, consecutive statuses as one batch, and empties', async () => {
    const queue = await freshQueue();
    const kinds: QueueItem['kind'][] = [];
    for (let k = 0; k < 500; k++) {
      const kind = k % 100 === 50 ? 'incident' : k % 100 === 75 ? 'visit' : 'status';
      kinds.push(kind);
      await queue.add(item(kind, k));
    }
    expect(await queue.waiting()).toBe(500);
    const sender = new Recording();
    const started = performance.now();
    const result = await queue.flush(sender);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ sent: 500, failed: 0, waiting: 0 });
    expect(sender.calls.flat()).toEqual(Array.from({ length: 500 }, (_, k) => `op-${k}`));
    // 5 incidents and 5 visits alone, the statuses between them in batches: 5 × (50 + 1 + 24 + 1) + the first run…
    expect(sender.calls.filter((c) => c.length === 1)).toHaveLength(10);
    expect(sender.calls.length).toBe(21);
  });

  it('stops at the first "later" and keeps that item and the rest, in order, for the next flush', async () => {
    const queue = await freshQueue();
    for (let k = 0; k < 6; k++) {
      await queue.add(item(k === 2 ? 'incident' : 'status', k));
    }
    let down = true;
    const sender = new Recording((i) => (i.kind === 'incident' && down ? { kind: 'retry', afterMs: 5000, reason: 'offline' } : { kind: 'done' }));
    const first = await queue.flush(sender);
    expect(first).toMatchObject({ sent: 2, waiting: 4, retryAfterMs: 5000 });
    down = false;
    const second = await queue.flush(sender);
    expect(second).toMatchObject({ sent: 4, waiting: 0 });
    expect(sender.calls).toEqual([['op-0', 'op-1'], ['op-2'], ['op-2'], ['op-3', 'op-4', 'op-5']]);
  });

  it('keeps refused items apart and goes on; a revoked key stops everything', async () => {
    const queue = await freshQueue();
    for (let k = 0; k < 4; k++) {
      await queue.add(item(k === 1 ? 'visit' : 'status', k));
    }
    const refused = await queue.flush(new Recording((i) => (i.opId === 'op-1' ? { kind: 'failed', status: 404, reason: 'Not found' } : { kind: 'done' })));
    expect(refused).toMatchObject({ sent: 3, failed: 1, waiting: 0 });
    expect((await queue.failed()).map((f) => [f.opId, f.status])).toEqual([['op-1', 404]]);

    await queue.add(item('status', 9));
    const revoked = await queue.flush(new Recording(() => ({ kind: 'signed-out', reason: 'revoked' })));
    expect(revoked.signedOut).toBe('revoked');
  });

  it('runs one flush at a time: a second call while one runs sends nothing twice', async () => {
    const queue = await freshQueue();
    for (let k = 0; k < 3; k++) {
      await queue.add(item('visit', k));
    }
    const sender = new Recording();
    await Promise.all([queue.flush(sender), queue.flush(sender)]);
    expect(sender.calls.flat()).toEqual(['op-0', 'op-1', 'op-2']);
  });

  it('numbers statuses upwards, never below the clock', () => {
    expect(nextSeq(0, 1000)).toBe(1000);
    expect(nextSeq(1000, 1000)).toBe(1001);
    expect(nextSeq(5000, 1000)).toBe(5001);
  });
});
