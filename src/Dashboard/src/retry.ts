// Reconnecting never gives up: the delay grows to a ceiling and then stays there.

export function retryDelayMs(attempt: number, ceilingMs = 10_000): number {
  return Math.min(ceilingMs, 250 * 2 ** Math.min(attempt, 16));
}

/** When to refresh an access token that expires in expiresInSeconds: at 80 %, and at least 10 s before expiry. */
export function refreshAfterMs(expiresInSeconds: number): number {
  return Math.max(1_000, Math.min(expiresInSeconds * 800, (expiresInSeconds - 10) * 1000));
}
