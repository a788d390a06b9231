import { describe, expect, it } from 'vitest';
import type { Me } from '../context';
import {
  type AlertDetail, type RuleSummary, alertActions, alertQuery, caseOpenedFrom, cityTime, matchesFilters, maySilence, replyTarget,
} from './alerts-model';

const me = (role: string, unitCode: string, permissions: string[]): Me => ({ username: `${role}.user`, role, unitCode, permissions });
const operator = me('operator', '510104', ['view-units', 'handle-alerts', 'manage-alert-rules', 'report-incidents']);
const cityOperator = me('operator', '5101', ['view-units', 'handle-alerts', 'manage-alert-rules', 'report-incidents']);
const corrections = me('corrections', '510104', ['view-units', 'handle-alerts', 'manage-key-person-zones']);
const auditor = me('auditor', '5101', ['view-units', 'read-audit']);

const battery: RuleSummary = { id: 'device-battery-low', title: '电量低', severity: 'warning', target: { subjectKind: 'device', unitScope: '5101' }, parameters: {} };
const forbidden: RuleSummary = { id: 'key-person-in-forbidden-place', title: '进入禁入场所', severity: 'critical', target: { subjectKind: 'key-person', unitScope: '5101' }, parameters: {} };
const strap: RuleSummary = { id: 'wristband-strap-open', title: '腕带', severity: 'critical', target: { subjectKind: 'device', unitScope: '5101' }, parameters: { deviceKinds: ['wristband'] } };
const workerOnly: RuleSummary = { id: 'phone-critical', title: 'x', severity: 'critical', target: { subjectKind: 'device', unitScope: '510104' }, parameters: { deviceKinds: ['worker-phone'] } };
const rules = [battery, forbidden, strap, workerOnly];

function alert(over: Partial<AlertDetail> = {}): AlertDetail {
  return {
    id: '510104-aa', ruleId: 'device-battery-low', ruleVersion: 1, title: '电量低', severity: 'warning', state: 'firing', unitCode: '510104022001001',
    responsibleUnitCode: '510104022001001', subject: { kind: 'device', id: 'dev-1' }, raisedAt: '2026-12-02T10:00:00Z', escalationLevel: 0, supervisionCount: 0,
    acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, note: null, breachedAt: null, detectedOnReplay: false, history: [], supervisions: [],
    ...over,
  };
}

describe('the controls an alert page offers', () => {
  it('gives a district operator every control on an ordinary firing alert', () => {
    expect(alertActions(alert(), operator, rules, null)).toEqual(['acknowledge', 'resolve', 'silence', 'open-case']);
  });

  it('gives a role without the duty nothing', () => {
    expect(alertActions(alert(), auditor, rules, null)).toEqual([]);
  });

  it('keeps resolving and silencing a protected alert to corrections staff and the city level', () => {
    const kp = alert({ ruleId: forbidden.id, severity: 'critical', subject: { kind: 'key-person', id: 'kp-1' } });
    expect(alertActions(kp, operator, rules, null)).toEqual(['acknowledge', 'open-case']);
    expect(alertActions(kp, corrections, rules, null)).toEqual(['acknowledge', 'resolve', 'silence']);
    expect(alertActions(kp, cityOperator, rules, null)).toEqual(['acknowledge', 'resolve', 'silence', 'open-case']);
    const wristband = alert({ ruleId: strap.id, severity: 'critical', subject: { kind: 'device', id: 'dev-2', keyPersonId: 'kp-1' } });
    expect(alertActions(wristband, operator, rules, null)).not.toContain('resolve');
  });

  it('offers no acknowledgement once acknowledged, nothing but a case once resolved, and no second case', () => {
    expect(alertActions(alert({ state: 'acknowledged' }), operator, rules, null)).toEqual(['resolve', 'silence', 'open-case']);
    expect(alertActions(alert({ state: 'resolved' }), operator, rules, null)).toEqual(['open-case']);
    expect(alertActions(alert(), operator, rules, '510104-20261202-0001')).not.toContain('open-case');
  });

  it('offers the reply only to the unit urged (or an admin), for its latest unanswered 督办', () => {
    const s = (number: number, unitCode: string, repliedAt: string | null = null) => ({
      id: `510104-aa-${number}`, number, unitCode, level: 3, reason: 'not-acknowledged', repeated: number > 1, at: '2026-12-02T10:00:00Z', replyDueAt: null, repliedAt,
    });
    const urged = alert({ supervisions: [s(1, '510104022', '2026-12-02T10:05:00Z'), s(2, '510104'), s(3, '510104')] });
    expect(alertActions(urged, operator, rules, null)).toContain('reply');
    expect(replyTarget(urged, operator)?.number).toBe(3);
    expect(alertActions(urged, me('operator', '510104022', ['handle-alerts']), rules, null)).not.toContain('reply');
  });
});

describe('who may silence', () => {
  it('needs a role that manages rules for ordinary rules and for every rule of a scope', () => {
    expect(maySilence(operator, '510104022', battery.id, rules)).toBe(true);
    expect(maySilence(corrections, '510104022', battery.id, rules)).toBe(false);
    // Every rule of the district covers city-wide protected rules too: not for a district operator.
    expect(maySilence(operator, '510104', null, rules)).toBe(false);
    expect(maySilence(cityOperator, '510104', null, rules)).toBe(true);
  });

  it('lets corrections staff silence a protected rule they name, and nothing outside their unit', () => {
    expect(maySilence(corrections, '510104', forbidden.id, rules)).toBe(true);
    expect(maySilence(operator, '510104', forbidden.id, rules)).toBe(false);
    expect(maySilence(corrections, '510105', forbidden.id, rules)).toBe(false);
    // A critical rule of worker phones only is no key person's: an ordinary rule.
    expect(maySilence(operator, '510104', workerOnly.id, rules)).toBe(true);
  });
});

describe('the list\'s filters', () => {
  const filters = { unit: '510104022', state: 'firing', severity: null, rule: 'device-battery-low', from: '2026-12-02T18:00', to: null };

  it('sends the period in the city\'s time', () => {
    expect(alertQuery(filters)).toEqual({ unit: '510104022', state: 'firing', severity: null, rule: 'device-battery-low', from: '2026-12-02T18:00:00+08:00', to: null, responsible: null });
    expect(alertQuery({ ...filters, responsible: '510104022' }).responsible).toBe('510104022');
    expect(cityTime('')).toBeNull();
  });

  it('takes a live alert into the list only when the filters want it', () => {
    expect(matchesFilters(alert({ raisedAt: '2026-12-02T10:30:00Z' }), filters)).toBe(true);
    expect(matchesFilters(alert({ raisedAt: '2026-12-02T09:30:00Z' }), filters)).toBe(false);
    expect(matchesFilters(alert({ raisedAt: '2026-12-02T10:30:00Z', state: 'acknowledged' }), filters)).toBe(false);
    expect(matchesFilters(alert({ raisedAt: '2026-12-02T10:30:00Z', unitCode: '510104017001001' }), filters)).toBe(false);
    // 责任单位: where escalation has brought the alert now.
    const escalated = alert({ raisedAt: '2026-12-02T10:30:00Z', responsibleUnitCode: '510104022' });
    expect(matchesFilters(escalated, { ...filters, responsible: '510104022' })).toBe(true);
    expect(matchesFilters(escalated, { ...filters, responsible: '510104' })).toBe(false);
  });
});

it('finds the case opened from the alert in its acknowledgement', () => {
  expect(caseOpenedFrom([{ seq: 1, type: 'alert.acknowledged', at: '', actor: 'x', state: 'acknowledged', responsibleUnitCode: '5', note: 'case 510104-20261202-0007 opened' }]))
    .toBe('510104-20261202-0007');
  expect(caseOpenedFrom([{ seq: 1, type: 'alert.acknowledged', at: '', actor: 'x', state: 'acknowledged', responsibleUnitCode: '5', note: 'on my way' }])).toBeNull();
});
