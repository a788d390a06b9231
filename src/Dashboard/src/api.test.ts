import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, query, type Credentials, type Fetch } from './api';

interface Call {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A gateway that answers each call with the next response, recording what was asked. */
function gateway(...responses: (() => Response)[]): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = async (path, init) => {
    calls.push({ path, method: String(init.method), headers: init.headers as Record<string, string>, body: init.body === undefined ? undefined : JSON.parse(String(init.body)) });
    const next = responses.shift();
    if (!next) {
      throw new Error(`unexpected call ${init.method} ${path}`);
    }
    return next();
  };
  return { fetch, calls };
}

const json = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** Credentials whose token changes with every refresh. */
function credentials(): Credentials & { refreshes: number } {
  return {
    refreshes: 0,
    async accessToken() {
      return `token-${this.refreshes}`;
    },
    async refresh() {
      this.refreshes += 1;
    },
  };
}

describe('ApiClient', () => {
  it('calls the operator endpoints with the bearer token and the typed query', async () => {
    const { fetch, calls } = gateway(json({ code: '510104', children: [] }), json({ items: [], next: null }), json({ onTimeClosureRate: 0.5, count: 2 }), json({ items: [], next: null }));
    const api = new ApiClient(credentials(), fetch);
    expect((await api.unit('510104')).code).toBe('510104');
    await api.alerts('510104', 'acknowledged');
    expect((await api.kpis('510104018')).onTimeClosureRate).toBe(0.5);
    await api.incidents('510104');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET api/v1/units/510104',
      'GET api/v1/alerts?unit=510104&state=acknowledged&limit=200',
      'GET api/v1/kpis?unit=510104018',
      'GET api/v1/incidents?unit=510104&limit=1000',
    ]);
    expect(calls.every((c) => c.headers.Authorization === 'Bearer token-0')).toBe(true);
    expect(calls[0].headers['Content-Type']).toBeUndefined();
  });

  it('posts an acknowledgement as JSON', async () => {
    const { fetch, calls } = gateway(json({ id: 'a1', state: 'acknowledged', unitCode: '510104' }));
    const view = await new ApiClient(credentials(), fetch).acknowledgeAlert('a1', { opId: 'screen-ack-a1-op', note: '' });
    expect(view.state).toBe('acknowledged');
    expect(calls[0]).toMatchObject({ method: 'POST', path: 'api/v1/alerts/a1/ack', body: { opId: 'screen-ack-a1-op', note: '' } });
    expect(calls[0].headers).toMatchObject({ 'Content-Type': 'application/json', Authorization: 'Bearer token-0' });
  });

  it('refreshes the token once on a 401 and retries with the new one', async () => {
    const tokens = credentials();
    const { fetch, calls } = gateway(json({ title: 'expired' }, 401), json({ onTimeClosureRate: null, count: 0 }));
    expect(await new ApiClient(tokens, fetch).kpis('510104')).toEqual({ onTimeClosureRate: null, count: 0 });
    expect(tokens.refreshes).toBe(1);
    expect(calls.map((c) => c.headers.Authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);
  });

  it('gives up after the retry with the problem as an ApiError', async () => {
    const tokens = credentials();
    const { fetch } = gateway(json({ title: 'no' }, 401), json({ title: 'still no' }, 401));
    const error = await new ApiClient(tokens, fetch).unit('510104').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, message: 'still no' });
    expect(tokens.refreshes).toBe(1);
  });

  it('turns a problem answer into an ApiError with its detail, and an empty answer into null', async () => {
    const { fetch } = gateway(json({ title: 'Forbidden', detail: 'outside your scope' }, 403), () => new Response(null, { status: 500 }), () => new Response('', { status: 200 }));
    const api = new ApiClient(credentials(), fetch);
    await expect(api.unit('5101')).rejects.toMatchObject({ status: 403, message: 'outside your scope' });
    await expect(api.unit('5101')).rejects.toMatchObject({ status: 500, message: 'HTTP 500' });
    expect(await api.unit('5101')).toBeNull();
  });

  it('issues and refreshes tokens anonymously, and makes no operator call without credentials', async () => {
    const tokens = { accessToken: 'a', refreshToken: 'r', expiresIn: 900, role: 'operator', unitCode: '510104' };
    const { fetch, calls } = gateway(json(tokens), json(tokens), json({ title: 'wrong' }, 401));
    const api = new ApiClient(undefined, fetch);
    expect(await api.issueTokens('jinjiang.operator', 'pw')).toEqual(tokens);
    expect(await api.refreshTokens('r')).toEqual(tokens);
    await expect(api.issueTokens('jinjiang.operator', 'bad')).rejects.toMatchObject({ status: 401 });
    expect(calls.map((c) => [c.path, c.body, c.headers.Authorization])).toEqual([
      ['/api/v1/auth/token', { username: 'jinjiang.operator', password: 'pw' }, undefined],
      ['/api/v1/auth/refresh', { refreshToken: 'r' }, undefined],
      ['/api/v1/auth/token', { username: 'jinjiang.operator', password: 'bad' }, undefined],
    ]);
    await expect(api.unit('510104')).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(3);
  });

  it('reads the workers page by page, at most five pages', async () => {
    const page = (n: number, next: string | null) => json({ items: [{ id: `w${n}` }], next });
    const { fetch, calls } = gateway(page(1, 'a+b/c'), page(2, null));
    expect((await new ApiClient(credentials(), fetch).allWorkers('510104')).map((w) => w.id)).toEqual(['w1', 'w2']);
    expect(calls.map((c) => c.path)).toEqual(['api/v1/workers?unit=510104&limit=1000', 'api/v1/workers?unit=510104&limit=1000&after=a%2Bb%2Fc']);

    const endless = gateway(...Array.from({ length: 6 }, (_, n) => page(n, `p${n}`)));
    expect(await new ApiClient(credentials(), endless.fetch).allWorkers('510104')).toHaveLength(5);
    expect(endless.calls).toHaveLength(5);
  });
});

describe('query', () => {
  it('encodes values and leaves out nulls', () => {
    expect(query({ unit: '510104', limit: 200, after: null })).toBe('?unit=510104&limit=200');
    expect(query({ after: 'x y&z' })).toBe('?after=x%20y%26z');
    expect(query({ after: null })).toBe('');
  });
});
