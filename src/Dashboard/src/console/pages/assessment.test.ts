import { describe, expect, it } from 'vitest';
import { cityDay, percent } from './assessment';

describe('the assessment page\'s period and rates', () => {
  it('takes a chosen day as the instant it starts in Asia/Shanghai, and the day after the last for the period\'s end', () => {
    expect(cityDay('2026-12-01')).toBe('2026-11-30T16:00:00.000Z');
    expect(cityDay('2026-12-31', 1)).toBe('2026-12-31T16:00:00.000Z');
  });

  it('shows a rate as a percentage and a rate without a denominator as a dash', () => {
    expect(percent(0.8333)).toBe('83.33%');
    expect(percent(1)).toBe('100.00%');
    expect(percent(null)).toBe('—');
  });
});
