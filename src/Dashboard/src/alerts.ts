import type { Envelope } from './cursor';

export interface AlertView {
  id: string;
  ruleId: string;
  title: string;
  severity: 'critical' | 'warning' | 'info';
  state: string;
  subject: { kind: string; id: string };
  unitCode: string;
  responsibleUnitCode?: string;
  raisedAt: string;
  acknowledgedBy?: string | null;
  acknowledgedAt?: string | null;
  /** How far up it has escalated (0 grid … 3 district) and how many times a unit was urged (督办). */
  escalationLevel?: number;
  supervisionCount?: number;
  /** An alert of a drill's scripted position (演练): marked on the screen, counted nowhere. */
  drill?: boolean;
  drillId?: string | null;
}

/** What the 督办 badge says: the level the alert has reached and how many times a unit was urged; null before any. */
export function supervisionOf(a: AlertView): { level: 'district' | 'street' | 'community'; count: number } | null {
  const count = a.supervisionCount ?? 0;
  if (count === 0 && !a.escalationLevel) {
    return null;
  }
  const length = (a.responsibleUnitCode ?? a.unitCode).length;
  return { level: length <= 6 ? 'district' : length <= 9 ? 'street' : 'community', count: Math.max(count, a.escalationLevel ?? 0) };
}

const open = new Set(['firing', 'acknowledged']);

/** The live alert feed: open alerts, newest first; events replace an alert's view with the newer one. */
export class AlertFeed {
  private readonly alerts = new Map<string, AlertView>();

  load(items: readonly AlertView[]): void {
    for (const a of items) {
      if (open.has(a.state)) {
        this.alerts.set(a.id, a);
      }
    }
  }

  /** Applies an alert.* event; returns the alert when it was newly raised (to flash and sound it). */
  apply(event: Envelope): AlertView | null {
    if (!event.type.startsWith('alert.')) {
      return null;
    }
    const view = event.data as unknown as AlertView;
    const known = this.alerts.has(view.id);
    if (open.has(view.state)) {
      this.alerts.set(view.id, view);
    } else {
      this.alerts.delete(view.id);
    }
    return event.type === 'alert.raised' && !known ? view : null;
  }

  /** Newest first; critical ones before others raised at the same moment. */
  list(): AlertView[] {
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    return [...this.alerts.values()].sort((a, b) => b.raisedAt.localeCompare(a.raisedAt) || rank[a.severity] - rank[b.severity]);
  }
}
