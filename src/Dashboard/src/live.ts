// Live state (positions, counters, KPIs, case stages) is conflated: the latest item per kind and id wins.
// What a unit's load reads from the API goes in here too, so a later live item simply replaces it.

export interface LiveItem {
  kind: string;
  id: string;
  [key: string]: unknown;
}

export class LiveState {
  private readonly items = new Map<string, LiveItem>();

  apply(batch: readonly LiveItem[]): void {
    for (const item of batch) {
      this.items.set(`${item.kind}\u0000${item.id}`, item);
    }
  }

  get(kind: string, id: string): LiveItem | undefined {
    return this.items.get(`${kind}\u0000${id}`);
  }

  all(kind: string): LiveItem[] {
    return [...this.items.values()].filter((i) => i.kind === kind);
  }

  clear(): void {
    this.items.clear();
  }
}
