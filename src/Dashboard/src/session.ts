import { ApiClient, ApiError, type Credentials, type Tokens } from './api';
import { refreshAfterMs } from './retry';

// The operator's session: tokens from /api/v1/auth/token, refreshed before the access token expires
// (a wall screen runs for weeks), kept in sessionStorage so a reload of the page keeps the login.
// The screen's API calls take their token from here (Credentials); the token calls themselves are anonymous.

const storageKey = 'opscentre.session';

export class Session implements Credentials {
  private tokens: Tokens | null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> | null = null;
  username: string;

  constructor(private readonly api = new ApiClient()) {
    const saved = sessionStorage.getItem(storageKey);
    const parsed = saved ? (JSON.parse(saved) as { tokens: Tokens; username: string }) : null;
    this.tokens = parsed?.tokens ?? null;
    this.username = parsed?.username ?? '';
    if (this.tokens) {
      // A reloaded page does not know how old its token is: refresh now.
      void this.refresh().catch(() => this.signOut());
    }
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  get unitCode(): string {
    return this.tokens?.unitCode ?? '';
  }

  get role(): string {
    return this.tokens?.role ?? '';
  }

  async signIn(username: string, password: string): Promise<void> {
    this.accept(await this.api.issueTokens(username, password), username);
  }

  /** Ends the session here and on the server: the refresh chain is revoked (POST /api/v1/auth/revoke), so no copy of it refreshes again. */
  signOut(): void {
    clearTimeout(this.refreshTimer);
    const refreshToken = this.tokens?.refreshToken;
    if (refreshToken) {
      void this.api.revokeTokens(refreshToken).catch(() => undefined);
    }
    this.tokens = null;
    sessionStorage.removeItem(storageKey);
  }

  /** The current access token; waits for a refresh in progress. */
  async accessToken(): Promise<string> {
    if (this.refreshing) {
      await this.refreshing;
    }
    if (!this.tokens) {
      throw new ApiError(401, { title: 'signed out' });
    }
    return this.tokens.accessToken;
  }

  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        this.accept(await this.api.refreshTokens(this.tokens?.refreshToken), this.username);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private accept(tokens: Tokens, username: string): void {
    this.tokens = tokens;
    this.username = username;
    sessionStorage.setItem(storageKey, JSON.stringify({ tokens, username }));
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), refreshAfterMs(tokens.expiresIn));
  }
}
