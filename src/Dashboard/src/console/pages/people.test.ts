import { describe, expect, it } from 'vitest';
import { instant, isDenied } from './audit';
import { signInPayload } from './devices';

describe('the device sign-in payload', () => {
  it('carries version, gateway, device id and key as the worker app reads them', () => {
    const payload = JSON.parse(signInPayload('https://ops.example.cn', 'dev-0a1b2c3d4e5f', 'dev-0a1b2c3d4e5f.secret')) as Record<string, unknown>;
    expect(payload).toEqual({ v: 1, gateway: 'https://ops.example.cn', deviceId: 'dev-0a1b2c3d4e5f', key: 'dev-0a1b2c3d4e5f.secret' });
  });
});

describe('audit rows', () => {
  it('tells a denied attempt by its detail', () => {
    expect(isDenied({ detail: 'unit=510104; fields=none (denied)' })).toBe(true);
    expect(isDenied({ detail: 'unit=510104; fields=name,idNumber' })).toBe(false);
    expect(isDenied({ detail: null })).toBe(false);
  });

  it('sends a period bound as an instant, and leaves an empty one out', () => {
    expect(instant('')).toBeNull();
    expect(instant(null)).toBeNull();
    expect(instant('2026-12-02T08:30')).toBe(new Date('2026-12-02T08:30').toISOString());
  });
});
