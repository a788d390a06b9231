import { describe, expect, it } from 'vitest';
import { type RuleItem, ruleBody } from './rules';

const rule: RuleItem = {
  id: 'jj-rule', version: 3, title: 'old', kind: 'member-share', target: { subjectKind: 'community', unitScope: '510104' }, severity: 'warning',
  parameters: { share: 0.8 }, pendingSeconds: 0, recoverySeconds: 0, escalation: { timeoutSeconds: 600 }, enabled: true,
  changedBy: 'x', changedAt: '2026-12-02T00:00:00Z', fault: null,
};

describe('the rule editor\'s PUT body', () => {
  it('sends the whole rule with the version it was read at, kind and subject kind unchanged', () => {
    const body = ruleBody(rule, { title: 'new', 'target.unitScope': '510104022', severity: 'critical', parameters: '{"share":0.5}', pendingSeconds: '60', recoverySeconds: '' }, false, 'op-1');
    expect(body).toEqual({
      opId: 'op-1', id: 'jj-rule', title: 'new', kind: 'member-share', target: { subjectKind: 'community', unitScope: '510104022' }, severity: 'critical',
      parameters: { share: 0.5 }, pendingSeconds: 60, recoverySeconds: undefined, escalation: { timeoutSeconds: 600 }, enabled: false, expectedVersion: 3,
    });
  });

  it('leaves parameters that are not JSON for the server to refuse at the field', () => {
    expect(ruleBody(rule, { parameters: '{share:' }, true, 'op-2').parameters).toBe('{share:');
  });
});
