// 告警 and 静默: what the alert pages decide without the DOM — which controls a caller sees on an alert (the server still
// decides every call: this only hides what it would refuse, by the rules of docs/alerts.md), the list's filters as the API
// wants them, whether a live event belongs in the filtered list, and the words for states, levels and 督办 reasons.

import { cityTimeZone } from '../../i18n';
import type { Me } from '../context';

/** An alert as GET /api/v1/alerts lists it (and as the hub's alert events carry it). */
export interface AlertItem {
  id: string;
  ruleId: string;
  title: string;
  severity: string;
  state: string;
  unitCode: string;
  responsibleUnitCode: string;
  subject: { kind: string; id: string; keyPersonId?: string | null };
  raisedAt: string;
  escalationLevel: number;
  supervisionCount: number;
  inhibitedBy?: string | null;
}

/** A 督办 record (an escalation): the unit urged, why, when a reply is due, the reply. */
export interface Supervision {
  id: string;
  number: number;
  unitCode: string;
  level: number;
  reason: string;
  repeated: boolean;
  at: string;
  replyDueAt: string | null;
  repliedAt?: string | null;
  repliedBy?: string | null;
  reply?: string | null;
}

export interface AlertHistoryEntry {
  seq: number;
  type: string;
  at: string;
  actor: string;
  state: string;
  responsibleUnitCode: string;
  note: string | null;
}

/** GET /api/v1/alerts/{id}: the alert with its history and its 督办. */
export interface AlertDetail extends AlertItem {
  ruleVersion: number;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  note: string | null;
  breachedAt: string | null;
  detectedOnReplay: boolean;
  history: AlertHistoryEntry[];
  supervisions: Supervision[];
}

/** A rule as GET /api/v1/alert-rules lists it: what a silence form and the protection check need. */
export interface RuleSummary {
  id: string;
  title: string;
  severity: string;
  target: { subjectKind: string; unitScope: string };
  parameters: Record<string, unknown>;
}

/** The states in the lifecycle's order, with their names. */
export const alertStates: [string, string, string][] = [
  ['pending', '待确认', 'Pending'], ['firing', '告警中', 'Firing'], ['acknowledged', '已签收', 'Acknowledged'],
  ['suppressed', '已静默', 'Silenced'], ['inhibited', '已抑制', 'Inhibited'], ['resolved', '已解除', 'Resolved'],
];

export const severities: [string, string, string][] = [['critical', '严重', 'Critical'], ['warning', '警告', 'Warning'], ['info', '提示', 'Info']];

/** 督办 levels: 0 grid … 3 district (the level the alert's responsibility reached). */
export const escalationLevels: [string, string][] = [['网格', 'grid'], ['社区', 'community'], ['街道', 'street'], ['区', 'district']];

export const supervisionReasons: Record<string, [string, string]> = {
  'not-acknowledged': ['未签收', 'not acknowledged'],
  'not-resolved': ['签收后逾期未处置', 'acknowledged, not resolved in time'],
};

/** An alert is protected when it is critical and about a key person (the person, or a device of theirs). */
export function isProtectedAlert(alert: Pick<AlertItem, 'severity' | 'subject'>): boolean {
  return alert.severity === 'critical' && (alert.subject.kind === 'key-person' || !!alert.subject.keyPersonId);
}

/**
 * A rule is protected when it is critical and may raise alerts about a key person: it targets key persons, or devices of a
 * kind key persons carry (a device rule without deviceKinds targets every device).
 */
export function isProtectedRule(rule: RuleSummary): boolean {
  if (rule.severity !== 'critical') {
    return false;
  }
  if (rule.target.subjectKind === 'key-person') {
    return true;
  }
  if (rule.target.subjectKind !== 'device') {
    return false;
  }
  const kinds = rule.parameters?.deviceKinds;
  return !Array.isArray(kinds) || kinds.some((k) => k !== 'worker-phone');
}

/** Protected rules are resolved and silenced only by corrections staff or the city level (an admin or operator of the city). */
export function mayHandleProtected(me: Pick<Me, 'role' | 'unitCode'>): boolean {
  return me.role === 'corrections' || ((me.role === 'admin' || me.role === 'operator') && me.unitCode.length === 4);
}

/** Whether two unit scopes overlap (one lies within the other). */
function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * Whether the caller may set (or end) a silence of `ruleId` (null: every rule) in `unitScope`, judged by the rules it would
 * cover: the protected ones need corrections staff or the city level; the ordinary ones (and every rule, without a rule
 * named) a role that manages rules. The scope must lie within the caller's unit.
 */
export function maySilence(me: Me, unitScope: string, ruleId: string | null, rules: RuleSummary[]): boolean {
  if (!unitScope.startsWith(me.unitCode)) {
    return false;
  }
  const covered = rules.filter((r) => (ruleId === null || r.id === ruleId) && overlaps(r.target.unitScope, unitScope));
  const anyProtected = covered.some(isProtectedRule);
  const manages = me.permissions.includes('manage-alert-rules');
  if (anyProtected && !mayHandleProtected(me)) {
    return false;
  }
  return (ruleId !== null && anyProtected) || manages;
}

/** The controls of an alert's page the caller may use now, by the API's action names. */
export function alertActions(alert: AlertDetail, me: Me, rules: RuleSummary[], caseId: string | null): string[] {
  const can = (p: string) => me.permissions.includes(p);
  const actions: string[] = [];
  const open = alert.state !== 'resolved';
  if (can('handle-alerts') && open && alert.state !== 'acknowledged') {
    actions.push('acknowledge');
  }
  if (can('handle-alerts') && open && (!isProtectedAlert(alert) || mayHandleProtected(me))) {
    actions.push('resolve');
  }
  if (can('handle-alerts') && alert.supervisions.some((s) => !s.repliedAt && (s.unitCode === me.unitCode || me.role === 'admin'))) {
    actions.push('reply');
  }
  const ruleKnown = rules.some((r) => r.id === alert.ruleId);
  const protectedHere = isProtectedAlert(alert) || rules.some((r) => r.id === alert.ruleId && isProtectedRule(r));
  if (open && alert.unitCode.startsWith(me.unitCode)
    && (ruleKnown ? maySilence(me, alert.unitCode, alert.ruleId, rules) : protectedHere ? mayHandleProtected(me) : can('manage-alert-rules'))) {
    actions.push('silence');
  }
  if (can('report-incidents') && caseId === null) {
    actions.push('open-case');
  }
  return actions;
}

/** The 督办 the caller would reply to: the latest unanswered one urging the caller's unit (any, for an admin). */
export function replyTarget(alert: AlertDetail, me: Me): Supervision | null {
  const open = alert.supervisions.filter((s) => !s.repliedAt && (s.unitCode === me.unitCode || me.role === 'admin'));
  return open.length ? open[open.length - 1] : null;
}

/** The case opened from this alert, from the acknowledgement POST /api/v1/incidents with alertId records ("case <id> opened"). */
export function caseOpenedFrom(history: AlertHistoryEntry[]): string | null {
  for (const entry of history) {
    const match = /^case (\S+) opened$/.exec(entry.note ?? '');
    if (match) {
      return match[1];
    }
  }
  return null;
}

/** A datetime-local value (Asia/Shanghai wall time, no offset) as ISO 8601 with the city's offset; null when empty. */
export function cityTime(local: string | null | undefined): string | null {
  if (!local) {
    return null;
  }
  const withSeconds = /T\d{2}:\d{2}$/.test(local) ? `${local}:00` : local;
  return `${withSeconds}+08:00`;
}

/** An instant as a datetime-local value in Asia/Shanghai (for defaults: now + 2 h). */
export function cityLocal(at: Date): string {
  const shifted = new Date(at.getTime() + 8 * 3600_000);
  return shifted.toISOString().slice(0, 16);
}

/** The list's filters as the route holds them. */
export interface AlertFilters {
  unit: string;
  state: string | null;
  severity: string | null;
  rule: string | null;
  from: string | null;
  to: string | null;
  /** Only the alerts this unit is responsible for now (where escalation has brought them). */
  responsible?: string | null;
}

/** The query of GET /api/v1/alerts for the filters (the period in the city's time). */
export function alertQuery(f: AlertFilters): Record<string, string | null> {
  return { unit: f.unit, state: f.state, severity: f.severity, rule: f.rule, from: cityTime(f.from), to: cityTime(f.to), responsible: f.responsible ?? null };
}

/** Whether an alert a live event carries belongs in the list the filters show. */
export function matchesFilters(a: AlertItem, f: AlertFilters): boolean {
  const from = cityTime(f.from);
  const to = cityTime(f.to);
  const raised = Date.parse(a.raisedAt);
  return a.unitCode.startsWith(f.unit) && (!f.state || a.state === f.state) && (!f.severity || a.severity === f.severity)
    && (!f.rule || a.ruleId === f.rule) && (!from || raised >= Date.parse(from)) && (!to || raised < Date.parse(to))
    && (!f.responsible || a.responsibleUnitCode === f.responsible);
}

/** An instant in the city's time, date and time (lists span days). */
export function dateTime(iso: string | null | undefined, language: string): string {
  if (!iso) {
    return '—';
  }
  return new Intl.DateTimeFormat(language === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: cityTimeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }).format(new Date(iso));
}

