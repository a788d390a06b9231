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

/**
 * Names by key, learnt from reads or asked of the server in batches: the unknown keys of a moment (50 ms) in one
 * request per 200, each key asked once; a key the server leaves out stays unnamed.
 */
export class NameCache {
  private readonly names = new Map<string, string>();
  /** Keys asked (or being asked) of the server: none is asked twice. */
  private readonly asked = new Set<string>();
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** <paramref name="changed"/> is called when names arrive, so the screen redraws with them. */
  constructor(private readonly read: (keys: string[]) => Promise<[string, string][]>, private readonly askable: (key: string) => boolean, private readonly changed: () => void) {}

  /** Names the screen has read anyway: no request for them. */
  learn(named: Iterable<[string, string]>): void {
    for (const [key, name] of named) {
      this.names.set(key, name);
      this.asked.add(key);
    }
  }

  /** The name, or undefined while unknown (it is then asked for, with the other unknown keys of this moment). */
  name(key: string): string | undefined {
    const name = this.names.get(key);
    if (name === undefined) {
      this.want([key]);
    }
    return name;
  }

  /** Asks for the keys not known yet, in one request per 200 gathered within 50 ms. */
  want(keys: Iterable<string>): void {
    for (const key of keys) {
      if (this.askable(key) && !this.asked.has(key)) {
        this.asked.add(key);
        this.pending.add(key);
      }
    }
    if (this.pending.size > 0) {
      this.timer ??= setTimeout(() => void this.flush(), gatherMs);
    }
  }

  /** Sends what is pending now (the timer does it on its own; tests may call it). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const keys = [...this.pending];
    this.pending.clear();
    let learned = false;
    for (let i = 0; i < keys.length; i += batch) {
      const part = keys.slice(i, i + batch);
      try {
        for (const [key, name] of await this.read(part)) {
          this.names.set(key, name);
          learned = true;
        }
      } catch {
        part.forEach((k) => this.asked.delete(k));   // a failed request is asked again the next time the key is seen
      }
    }
    if (learned) {
      this.changed();
    }
  }
}

/** Units by name (GET /api/v1/units/names), keyed by code. */
export class UnitNames extends NameCache {
  constructor(read: NameReads, changed: () => void = () => undefined) {
    super(async (codes) => (await read(codes)).items.map((u) => [u.code, u.name]), (code) => /^\d+$/.test(code), changed);
  }

  /** Names the screen has read anyway (a unit, its children, its map's features). */
  learnUnits(units: Iterable<{ code: string; name: string }>): void {
    this.learn([...units].map((u) => [u.code, u.name] as [string, string]));
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

/** A subject's name as GET /api/v1/subjects/names gives it. */
export interface SubjectName {
  kind: string;
  id: string;
  name: string;
  masked: boolean;
}

/** The kinds of subject named by a person: a grid worker, a key person, or the device bound to one. */
const personKinds = new Set(['worker', 'key-person', 'device']);

/**
 * Who an alert is about, by name: a grid worker's name, a key person's masked name (张*, and only for roles that read key
 * persons: the server leaves the others out), or the name of the person a device is bound to. Nothing while unknown.
 */
export class SubjectNames extends NameCache {
  constructor(read: (keys: string[]) => Promise<{ items: SubjectName[] }>, changed: () => void = () => undefined) {
    super(async (keys) => (await read(keys)).items.map((s) => [`${s.kind}:${s.id}`, s.name]), (key) => personKinds.has(key.split(':')[0]), changed);
  }

  /** The subject's person's name, or undefined (not a person, not known yet, or not for this caller). */
  of(subject: { kind: string; id: string }): string | undefined {
    return personKinds.has(subject.kind) ? this.name(`${subject.kind}:${subject.id}`) : undefined;
  }
}
