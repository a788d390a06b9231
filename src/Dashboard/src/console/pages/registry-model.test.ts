import { describe, expect, it } from 'vitest';
import { collectionReviewActions, fieldLabel, fieldText, jobRunning, jobSummary, linkedRecords, registryOf, type ImportJob } from './registry-model';

describe('registry model', () => {
  it('links a resident to their address and a dwelling to its owner and tenant', () => {
    expect(linkedRecords({ name: '张*', addressId: 'addr-1' })).toEqual([{ field: 'addressId', route: 'registry/address/addr-1', id: 'addr-1' }]);
    expect(linkedRecords({ addressId: 'addr-2', ownerId: 'per-1', tenantId: 'per-2', use: 'rented' }).map((l) => l.route))
      .toEqual(['registry/address/addr-2', 'registry/population/per-1', 'registry/population/per-2']);
    expect(linkedRecords({ tenantId: null, ownerId: '' })).toEqual([]);
  });

  it('names registries by the contract and its aliases', () => {
    expect(registryOf('components')).toBe('component');
    expect(registryOf('population')).toBe('population');
    expect(registryOf('people')).toBeNull();
  });

  it('labels fields and choices, and keeps masked values as given', () => {
    expect(fieldLabel('population', 'idNumber', true)).toBe('公民身份号码');
    expect(fieldLabel('population', 'extra', false)).toBe('extra');
    expect(fieldText('floating', true)).toBe('流动人口');
    expect(fieldText('张*', true)).toBe('张*');
    expect(fieldText(null, true)).toBe('—');
  });

  it('says a job is running until it ends, and its counts once it succeeded', () => {
    const job = { state: 'running', rowsRead: 3, accepted: 2, rejected: 1, changes: null } as unknown as ImportJob;
    expect(jobRunning(job)).toBe(true);
    expect(jobSummary(job, false)).toBe('3 lines read, 2 accepted, 1 refused');
    const done = { ...job, state: 'succeeded', rejected: 0, changes: { added: 2, updated: 1, ended: 0, unchanged: 0 } } as ImportJob;
    expect(jobRunning(done)).toBe(false);
    expect(jobSummary(done, true)).toBe('已读 3 行，通过 2，拒绝 0；新增 2，更新 1，终止 0，未变 0');
  });

  it('offers review only on a pending record to a reviewer', () => {
    expect(collectionReviewActions('pending', true)).toEqual(['approve', 'reject']);
    expect(collectionReviewActions('approved', true)).toEqual([]);
    expect(collectionReviewActions('pending', false)).toEqual([]);
  });
});
