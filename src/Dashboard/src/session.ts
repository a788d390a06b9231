import { refreshAfterMs } from './retry';

// The operator's session: tokens from /api/v1/auth/token, refreshed before the access token expires
// (a wall screen runs for weeks), kept in sessionStorage so a reload of the page keeps the login.

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  role: string;
  unitCode: string;
}

const storageKey = 'opscentre.session';

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: { title?: string; detail?: string }) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export class Session {
  private tokens: Tokens | null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> | null = null;
  username: string;

  constructor() {
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
    this.accept(await post<Tokens>('/api/v1/auth/token', { username, password }), username);
  }

  signOut(): void {
    clearTimeout(this.refreshTimer);
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
        this.accept(await post<Tokens>('/api/v1/auth/refresh', { refreshToken: this.tokens?.refreshToken }), this.username);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${await this.accessToken()}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && !retried) {
      await this.refresh();
      return this.call<T>(method, path, body, true);
    }
    return answer<T>(response);
  }

  private accept(tokens: Tokens, username: string): void {
    this.tokens = tokens;
    this.username = username;
    sessionStorage.setItem(storageKey, JSON.stringify({ tokens, username }));
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), refreshAfterMs(tokens.expiresIn));
  }
}

async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }));
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, json ?? {});
  }
  return json as T;
}
