// The screen's place in each district's event log, and whether replay has caught up.
// Contract: every durable event carries a gap-free seq per district; the screen keeps the last one
// it has seen, re-subscribes with it after every reconnect, and the server replays what it missed.

export type Cursor = Record<string, number>;

export interface Envelope {
  seq: number;
  districtCode: string;
  unitCode: string;
  type: string;
  at: string;
  data: { id: string; [key: string]: unknown };
}

export class EventCursor {
  private readonly last: Cursor = {};
  private readonly head: Cursor = {};

  /** The cursor to subscribe with: null before anything was seen (start at the head). */
  get cursor(): Cursor | null {
    return Object.keys(this.last).length === 0 ? null : { ...this.last };
  }

  /** After Subscribe: where the server starts (at or after our cursor) and its head at that moment. */
  started(start: Cursor, head: Cursor): void {
    for (const [district, seq] of Object.entries(start)) {
      this.last[district] = Math.max(this.last[district] ?? 0, seq);
    }
    for (const [district, seq] of Object.entries(head)) {
      this.head[district] = seq;
    }
  }

  /** True when the event is new (delivered once, in order); duplicates and old events are false. */
  accept(event: Envelope): boolean {
    if (event.seq <= (this.last[event.districtCode] ?? 0)) {
      return false;
    }
    this.last[event.districtCode] = event.seq;
    return true;
  }

  /** A watermark moves the cursor past events of the district this screen does not see. */
  watermark(districtCode: string, seq: number): void {
    this.last[districtCode] = Math.max(this.last[districtCode] ?? 0, seq);
  }

  /** True once every district's cursor has reached the head the server reported at subscription. */
  get caughtUp(): boolean {
    return Object.entries(this.head).every(([district, seq]) => (this.last[district] ?? 0) >= seq);
  }
}
