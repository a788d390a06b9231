// Live state (positions, counters, KPIs) is conflated: the latest item per kind and id wins.

export interface LiveItem {
  kind: string;
  id: string;
  [key: string]: unknown;
}

export class LiveState {
  private readonly items = new Map<string, LiveItem>();
  private readonly dirtyKinds = new Set<string>();

  apply(batch: readonly LiveItem[]): void {
    for (const item of batch) {
      this.items.set(`${item.kind}\u0000${item.id}`, item);
      this.dirtyKinds.add(item.kind);
    }
  }

  get(kind: string, id: string): LiveItem | undefined {
    return this.items.get(`${kind}\u0000${id}`);
  }

  all(kind: string): LiveItem[] {
    return [...this.items.values()].filter((i) => i.kind === kind);
  }

  /** The kinds that changed since the last call: the screen redraws only those parts. */
  takeDirty(): Set<string> {
    const dirty = new Set(this.dirtyKinds);
    this.dirtyKinds.clear();
    return dirty;
  }

  clear(): void {
    this.items.clear();
  }
}
