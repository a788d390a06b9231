// Campaigns (专项整治, docs/supervision.md): the shapes the API answers and the hub's `campaign.progress`, and the one piece of
// logic the wall screen and the console share — a campaign's progress as the latest counts per grid.

export interface CampaignGrid { gridCode: string; total: number; done: number }

export interface Campaign {
  id: string; unitCode: string; kind: string; title: string; registrationDueBefore: string; dueAt: string;
  createdAt: string; state: string; total: number; done: number; grids: CampaignGrid[];
}

/** The data of a `campaign.progress` event: one grid's absolute counts and the campaign's. */
export interface CampaignProgress {
  id: string; campaignUnitCode: string; gridCode: string; total: number; done: number; campaignTotal: number; campaignDone: number; dueAt: string;
}

/** Whole per cent done, 0 for nothing to do; 100 only when every visit is done. */
export function completionPercent(done: number, total: number): number {
  if (total <= 0) {
    return 0;
  }
  const percent = Math.floor((done * 100) / total);
  return done >= total ? 100 : Math.min(percent, 99);
}

/**
 * The open campaigns of a screen's unit and each grid's progress: read from the API, then moved by the hub's events. An event's
 * counts are absolute, so applying one twice, or an older one after a newer read, cannot count twice; a count never goes back.
 */
export class CampaignBoard {
  private readonly campaigns = new Map<string, Campaign>();

  /** Replaces what is known with a fresh read (the unit's open campaigns). */
  load(campaigns: Campaign[]): void {
    this.campaigns.clear();
    campaigns.filter((c) => c.state === 'open').forEach((c) => this.campaigns.set(c.id, { ...c, grids: c.grids.map((g) => ({ ...g })) }));
  }

  /** Applies one `campaign.progress`; false when it names a campaign the board does not hold (read it again to learn of it). */
  apply(p: CampaignProgress): boolean {
    const c = this.campaigns.get(p.id);
    if (!c) {
      return false;
    }
    const grid = c.grids.find((g) => g.gridCode === p.gridCode);
    if (grid) {
      grid.done = Math.max(grid.done, p.done);
      grid.total = p.total;
    } else {
      c.grids.push({ gridCode: p.gridCode, total: p.total, done: p.done });
      c.grids.sort((a, b) => a.gridCode.localeCompare(b.gridCode));
    }
    c.done = Math.max(c.done, p.campaignDone);
    c.total = p.campaignTotal;
    return true;
  }

  /** The campaigns, soonest due first. */
  list(): Campaign[] {
    return [...this.campaigns.values()].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
  }
}
