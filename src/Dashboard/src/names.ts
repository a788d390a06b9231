import type { Strings } from './i18n';

// Units by name, never by code. Hub events and alerts carry unit codes only; the screen shows names, which it
// learns from what it reads (a unit and its children, its map) and, for codes met in events (a grid deep below,
// the unit a 督办 reached), from GET /api/v1/units/names: one request per batch of unknown codes, never one per
// event, each code asked once. A code the server leaves out (outside the caller's scope, or unknown) stays
// unnamed: the screen then says its level (网格, 社区…), never its digits.

/** A unit's name as the server gives it. */
export interface UnitName {
  code: string;
  name: string;
  level?: string;
  parentCode?: string | null;
}

/** The names request: the codes asked (at most `batch`), the names of those the caller may see. */
export type NameReads = (codes: string[]) => Promise<{ items: UnitName[] }>;

/** Codes per request (the gateway takes at most 200), and how long unknown codes gather before one is sent. */
const batch = 200;
const gatherMs = 50;

/** The levels by code length: city 4, district 6, street 9, community 12, grid 15 digits. */
const levelsByLength: Record<number, string> = { 4: 'city', 6: 'district', 9: 'street', 12: 'community', 15: 'grid' };

export function levelOf(code: string): string | undefined {
  return levelsByLength[code.length];
}

/** The code's ancestors from the top down, and the code itself: 510104022001 → 5101, 510104, 510104022, 510104022001. */
export function pathOf(code: string): string[] {
  return [4, 6, 9, 12, 15].filter((n) => n <= code.length).map((n) => code.slice(0, n));
}

export class UnitNames {
  private readonly names = new Map<string, string>();
  /** Codes asked (or being asked) of the server: none is asked twice. */
  private readonly asked = new Set<string>();
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** <paramref name="changed"/> is called when names arrive, so the screen redraws with them. */
  constructor(private readonly read: NameReads, private readonly changed: () => void = () => undefined) {}

  /** Names the screen has read anyway (a unit, its children, its map's features): no request for them. */
  learn(units: Iterable<{ code: string; name: string }>): void {
    for (const u of units) {
      this.names.set(u.code, u.name);
      this.asked.add(u.code);
    }
  }

  /** The unit's name, or undefined while unknown (it is then asked for, with the other unknown codes of this moment). */
  name(code: string): string | undefined {
    const name = this.names.get(code);
    if (name === undefined) {
      this.want([code]);
    }
    return name;
  }

  /** Asks for the codes not known yet, in one request per 200 gathered within 50 ms. */
  want(codes: Iterable<string>): void {
    for (const code of codes) {
      if (/^\d+$/.test(code) && !this.asked.has(code)) {
        this.asked.add(code);
        this.pending.add(code);
      }
    }
    if (this.pending.size > 0) {
      this.timer ??= setTimeout(() => void this.flush(), gatherMs);
    }
  }

  /** Sends what is pending now (the timer does it on its own; tests and the screen's first draw may call it). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const codes = [...this.pending];
    this.pending.clear();
    let learned = false;
    for (let i = 0; i < codes.length; i += batch) {
      const part = codes.slice(i, i + batch);
      try {
        const answer = await this.read(part);
        for (const u of answer.items) {
          this.names.set(u.code, u.name);
          learned = true;
        }
      } catch {
        part.forEach((c) => this.asked.delete(c));   // a failed request is asked again the next time the code is seen
      }
    }
    if (learned) {
      this.changed();
    }
  }

  /** The unit's name, or its level's word until (unless) the name is known: 春熙路街道, else 街道. */
  label(code: string, t: Strings): string {
    return this.name(code) ?? t.levels[levelOf(code) ?? ''] ?? '—';
  }

  /**
   * Where a code is, seen from the unit on screen: the names below that unit down to the code, each once — a level
   * whose name the next one repeats is left out (水井坊社区 › 水井坊社区第1网格 reads 水井坊社区第1网格). The unit on
   * screen itself when the code is that unit (or above it).
   */
  place(code: string, onScreen: string, t: Strings): string {
    const below = pathOf(code).filter((c) => c.length > onScreen.length);
    if (below.length === 0) {
      return this.label(onScreen.startsWith(code) ? onScreen : code, t);
    }
    this.want(below);
    const labels = below.map((c) => this.label(c, t));
    return labels.filter((l, i) => i === labels.length - 1 || !labels[i + 1].startsWith(l)).join(' › ');
  }
}
