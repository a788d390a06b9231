import { describe, expect, it } from 'vitest';
import { escapeHtml } from './dom';

describe('escapeHtml', () => {
  it('escapes what would break out of text or an attribute', () => {
    expect(escapeHtml(`<b class="x">O'Neil & co</b>`)).toBe('&lt;b class=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/b&gt;');
    expect(escapeHtml('锦江区')).toBe('锦江区');
  });
});
