import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

// The worker's offline-first queue (docs/worker-app.md): every action is written here first, in IndexedDB, with its opId
// and the phone's time, then sent in the order recorded — consecutive statuses as one batch — when there is a network.
// The server applies each opId once, so an item sent again after a lost answer changes nothing there.

/** What an item does; each maps to one device endpoint (src/app/device.ts). */
export type ItemKind = 'status' | 'incident' | 'visit' | 'feedback' | 'check-in' | 'collection' | 'campaign-visit';

export interface QueueItem {
  /** The order of recording (IndexedDB's key generator): items are sent in this order. */
  n?: number;
  kind: ItemKind;
  opId: string;
  /** The phone's time when the worker did it (ISO 8601). */
  at: string;
  /** The JSON body sent, opId and time included; for a report with photos, its form fields. */
  body: Record<string, unknown>;
  /** The case an action (feedback, start) is about. */
  caseId?: string;
  /** The campaign task (专项整治走访) a completion is about. */
  taskId?: string;
  /** Photos already resized on the phone (JPEG). */
  photos?: Blob[];
  /** A short label for the waiting list. */
  label: string;
}

/** An item the server refused for good (400, 404, 409, 422…): kept apart for the worker to see, never sent again. */
export interface FailedItem extends QueueItem {
  status: number;
  reason: string;
  failedAt: string;
}

/** What the server said to one item. */
export type Outcome =
  | { kind: 'done' }
  | { kind: 'failed'; status: number; reason: string }
  | { kind: 'retry'; afterMs: number; reason: string }
  | { kind: 'signed-out'; reason: string };

/** How items reach the server: a batch of statuses (one outcome per item, in order, or one outcome for the whole call), or one item. */
export interface Sender {
  statuses(items: QueueItem[]): Promise<Outcome[] | Outcome>;
  one(item: QueueItem): Promise<Outcome>;
}

export interface FlushResult {
  sent: number;
  failed: number;
  waiting: number;
  /** Set when sending stopped early: try again after this long (network, 429, 5xx). */
  retryAfterMs?: number;
  signedOut?: string;
}

/** At most this many statuses in one batch (the server's limit is 1,000). */
export const MaxBatch = 500;

interface AppDb extends DBSchema {
  queue: { key: number; value: QueueItem };
  failed: { key: number; value: FailedItem };
  kv: { key: string; value: unknown };
}

export type AppDatabase = IDBPDatabase<AppDb>;

export function openAppDb(name = 'opscentre-app'): Promise<AppDatabase> {
  return openDB<AppDb>(name, 1, {
    upgrade(db) {
      db.createObjectStore('queue', { keyPath: 'n', autoIncrement: true });
      db.createObjectStore('failed', { keyPath: 'n' });
      db.createObjectStore('kv');
    },
  });
}

/** A small key-value store beside the queue: the device, the cached tasks and their ETag, settings. */
export class KeyValues {
  constructor(private readonly db: AppDatabase) {}

  get<T>(key: string): Promise<T | undefined> {
    return this.db.get('kv', key) as Promise<T | undefined>;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.put('kv', value, key);
  }

  async delete(key: string): Promise<void> {
    await this.db.delete('kv', key);
  }
}

export class Queue {
  private flushing: Promise<FlushResult> | null = null;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly db: AppDatabase) {}

  /** Calls back whenever the queue changes (for the waiting count). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async add(item: QueueItem): Promise<number> {
    const { n: _ignored, ...fresh } = item;
    const n = await this.db.add('queue', fresh as QueueItem);
    this.changed();
    return n;
  }

  waiting(): Promise<number> {
    return this.db.count('queue');
  }

  pending(): Promise<QueueItem[]> {
    return this.db.getAll('queue');
  }

  failed(): Promise<FailedItem[]> {
    return this.db.getAll('failed');
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(['queue', 'failed'], 'readwrite');
    await Promise.all([tx.objectStore('queue').clear(), tx.objectStore('failed').clear(), tx.done]);
    this.changed();
  }

  /**
   * Sends what waits, in order, until the queue is empty or the network or server says "later". One flush at a time:
   * a call while one runs waits for that one. Consecutive statuses go as one batch.
   */
  flush(sender: Sender): Promise<FlushResult> {
    if (!this.flushing) {
      this.flushing = this.run(sender).finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private async run(sender: Sender): Promise<FlushResult> {
    const result: FlushResult = { sent: 0, failed: 0, waiting: 0 };
    for (;;) {
      const items = await this.db.getAll('queue', undefined, MaxBatch);
      if (items.length === 0) {
        break;
      }
      let stop: Outcome | null = null;
      let i = 0;
      while (i < items.length && !stop) {
        const run: QueueItem[] = [];
        while (i < items.length && items[i].kind === 'status' && run.length < MaxBatch) {
          run.push(items[i++]);
        }
        if (run.length > 0) {
          const answer = await sender.statuses(run);
          if (!Array.isArray(answer) && (answer.kind === 'retry' || answer.kind === 'signed-out')) {
            stop = answer;
            continue;
          }
          // A whole batch refused (a 400 for the body) keeps each of its items apart, so the rest can go on.
          const outcomes = run.map((_, k): Outcome => (Array.isArray(answer) ? answer[k] ?? { kind: 'failed', status: 0, reason: 'no answer for this item' } : answer));
          const later = outcomes.findIndex((o) => o.kind === 'retry' || o.kind === 'signed-out');
          await this.settle(run.slice(0, later < 0 ? run.length : later), outcomes, result);
          stop = later < 0 ? null : outcomes[later];
          continue;
        }
        const item = items[i++];
        const outcome = await sender.one(item);
        if (outcome.kind === 'retry' || outcome.kind === 'signed-out') {
          stop = outcome;
        } else {
          await this.settle([item], [outcome], result);
        }
      }
      if (stop) {
        if (stop.kind === 'retry') {
          result.retryAfterMs = stop.afterMs;
        } else if (stop.kind === 'signed-out') {
          result.signedOut = stop.reason;
        }
        break;
      }
    }
    result.waiting = await this.waiting();
    return result;
  }

  /** Takes answered items off the queue in one transaction; refused ones go to the failed list. */
  private async settle(items: QueueItem[], outcomes: Outcome[], result: FlushResult): Promise<void> {
    const tx = this.db.transaction(['queue', 'failed'], 'readwrite');
    const writes: Promise<unknown>[] = [];
    items.forEach((item, k) => {
      const outcome = outcomes[k];
      if (outcome.kind === 'failed') {
        writes.push(tx.objectStore('failed').put({ ...item, status: outcome.status, reason: outcome.reason, failedAt: new Date().toISOString() }));
        result.failed++;
      } else {
        result.sent++;
      }
      writes.push(tx.objectStore('queue').delete(item.n!));
    });
    await Promise.all([...writes, tx.done]);
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }
}

/** A fresh operation id (the idempotency key the server remembers). */
export function newOpId(): string {
  return crypto.randomUUID();
}

/**
 * The next status sequence number: never below the last one handed out, and at least the clock in milliseconds, so a
 * reinstalled app still sends newer numbers than before.
 */
export function nextSeq(last: number, now = Date.now()): number {
  return Math.max(last + 1, now);
}
