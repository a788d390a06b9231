import { describe, expect, it } from 'vitest';
import { CampaignBoard, completionPercent, type Campaign } from './campaigns';

const campaign = (id: string, dueAt: string): Campaign => ({
  id, unitCode: '510104022001', kind: 'floating-registration', title: '流动人口专项整治日', registrationDueBefore: '2026-12-31', dueAt,
  createdAt: '2026-12-01T00:00:00Z', state: 'open', total: 3, done: 0,
  grids: [{ gridCode: '510104022001001', total: 2, done: 0 }, { gridCode: '510104022001002', total: 1, done: 0 }],
});

describe('completionPercent', () => {
  it('is whole per cent, 100 only when all is done, 0 for nothing to do', () => {
    expect(completionPercent(1, 3)).toBe(33);
    expect(completionPercent(199, 200)).toBe(99);
    expect(completionPercent(2, 2)).toBe(100);
    expect(completionPercent(0, 0)).toBe(0);
  });
});

describe('CampaignBoard', () => {
  it('moves a grid by the events absolute counts, never back and never twice', () => {
    const board = new CampaignBoard();
    board.load([campaign('b', '2026-12-03T10:00:00Z'), campaign('a', '2026-12-02T10:00:00Z')]);
    const progress = { id: 'b', campaignUnitCode: '510104022001', gridCode: '510104022001001', total: 2, done: 1, campaignTotal: 3, campaignDone: 1, dueAt: '' };
    expect(board.apply(progress)).toBe(true);
    expect(board.apply(progress)).toBe(true);
    expect(board.apply({ ...progress, done: 0, campaignDone: 0 })).toBe(true);   // an older event after a newer one
    const b = board.list()[1];
    expect(b.id).toBe('b');
    expect(b.grids[0]).toEqual({ gridCode: '510104022001001', total: 2, done: 1 });
    expect([b.done, b.total]).toEqual([1, 3]);
    expect(board.list().map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('says when an event names a campaign it does not hold', () => {
    const board = new CampaignBoard();
    board.load([{ ...campaign('closed', '2026-12-02T10:00:00Z'), state: 'closed' }]);
    expect(board.list()).toEqual([]);
    expect(board.apply({ id: 'x', campaignUnitCode: '', gridCode: 'g', total: 1, done: 1, campaignTotal: 1, campaignDone: 1, dueAt: '' })).toBe(false);
  });
});
