import { describe, expect, it } from 'vitest';
import { formatClock, formatNumber, formatRate, formatTime } from './i18n';
import { refreshAfterMs, retryDelayMs } from './retry';

describe('formatting in the locale, in the city time zone', () => {
  it('formats numbers and rates, with a dash for nothing to divide by', () => {
    expect(formatNumber(12345, 'en')).toBe('12,345');
    expect(formatNumber(12345, 'zh')).toBe('12,345');
    expect(formatRate(0.8765, 'en')).toBe('87.7%');
    expect(formatRate(null, 'zh')).toBe('—');
  });

  it('shows times in Asia/Shanghai whatever the browser zone', () => {
    expect(formatTime('2026-11-29T01:02:03Z', 'en')).toBe('09:02:03');
    expect(formatClock(new Date('2026-11-29T16:30:00Z'), 'zh')).toContain('2026/11/30');
    expect(formatClock(new Date('2026-11-29T16:30:00Z'), 'en')).toContain('00:30:00');
  });
});

describe('reconnect and token refresh timing', () => {
  it('backs off to a ceiling and never gives up', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n))).toEqual([250, 500, 1000, 2000]);
    expect(retryDelayMs(50)).toBe(10_000);
    expect(retryDelayMs(1_000_000)).toBe(10_000);
  });

  it('refreshes an access token before it expires', () => {
    expect(refreshAfterMs(900)).toBe(720_000);
    expect(refreshAfterMs(30)).toBe(20_000);
    expect(refreshAfterMs(5)).toBe(1_000);
  });
});
