import type { AlertView } from './alerts';
import type { Campaign } from './campaigns';
import type { SubjectName, UnitName } from './names';

// The gateway's HTTP API as the screen uses it: every request goes through ApiClient.send, with the
// request and response shapes typed here. Operator calls carry the session's access token; a 401 is
// answered by one token refresh and one retry.

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  role: string;
  unitCode: string;
}

export type Counters = Record<string, number>;

export interface UnitChild {
  code: string;
  name: string;
  level: string;
  counters: Counters;
}

export interface UnitView extends UnitChild {
  parentCode: string | null;
  children: UnitChild[];
}

/** GeoJSON FeatureCollection of a unit's children, each feature named by its unit code, with its name and where to put it. */
export interface UnitMap {
  type: string;
  features: { properties: { code: string; name?: string; labelPoint?: number[]; [key: string]: unknown }; [key: string]: unknown }[];
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface WorkerItem {
  id: string;
  gridCode: string;
  lat: number;
  lon: number;
  online: boolean;
  onDuty: boolean;
}

export interface IncidentItem {
  id: string;
  stage: string;
}

export interface Kpis {
  onTimeClosureRate: number | null;
  /** 结案率, 返工率, 延期率 (docs/incidents.md defines each rate's numerator and denominator). */
  closureRate?: number | null;
  reworkRate?: number | null;
  extensionRate?: number | null;
  /** 满意率: residents' cases closed in the period rated 满意 or 基本满意, over those rated. */
  satisfactionRate: number | null;
  /** 重办率: residents' cases closed in the period that their resident reopened, over those closed. */
  reopenRate: number | null;
  count: number;
}

export type OpenAlertState = 'firing' | 'acknowledged';

export interface AlertAction {
  opId: string;
  note: string;
}

/** An RFC 9457 problem as the gateway answers it; `errors` names the fields of a validation problem. */
export interface Problem {
  title?: string;
  detail?: string;
  errors?: Record<string, string[]>;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Where operator calls get their access token, and how to renew it after a 401 (the session). */
export interface Credentials {
  accessToken(): Promise<string>;
  refresh(): Promise<void>;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Pages of workers read at most on open or drill-down (1000 each). */
const workerPages = 5;

export class ApiClient {
  /** Without credentials only the anonymous calls (issuing and refreshing tokens) work. */
  /**
   * `base` prefixes the relative paths: '' for the wall screen at the web root, '../' for pages one folder down
   * (the console at /console/), so the app works behind a proxy's path prefix too.
   */
  constructor(private readonly credentials?: Credentials, private readonly fetchFn: Fetch = (input, init) => fetch(input, init), private readonly base = '') {}

  issueTokens(username: string, password: string): Promise<Tokens> {
    return this.send('POST', '/api/v1/auth/token', { username, password }, false);
  }

  refreshTokens(refreshToken: string | undefined): Promise<Tokens> {
    return this.send('POST', '/api/v1/auth/refresh', { refreshToken }, false);
  }

  /** Signs out: revokes the refresh token's whole chain (204, for an unknown token too). */
  revokeTokens(refreshToken: string): Promise<null> {
    return this.send('POST', '/api/v1/auth/revoke', { refreshToken }, false);
  }

  unit(code: string): Promise<UnitView> {
    return this.send('GET', `api/v1/units/${code}`);
  }

  unitMap(code: string): Promise<UnitMap> {
    return this.send('GET', `api/v1/units/${code}/map`);
  }

  /** The names of up to 200 units; those outside the caller's scope (or unknown) are left out. */
  unitNames(codes: string[]): Promise<Page<UnitName>> {
    return this.send('GET', `api/v1/units/names${query({ codes: codes.join(',') })}`);
  }

  /** Names of up to 200 alert subjects (`kind:id`): workers, key persons (masked; roles that read them only), devices' persons. */
  subjectNames(keys: string[]): Promise<Page<SubjectName>> {
    return this.send('GET', `api/v1/subjects/names${query({ ids: keys.join(',') })}`);
  }

  alerts(unit: string, state: OpenAlertState, limit = 200): Promise<Page<AlertView>> {
    return this.send('GET', `api/v1/alerts${query({ unit, state, limit })}`);
  }

  acknowledgeAlert(id: string, action: AlertAction): Promise<AlertView> {
    return this.send('POST', `api/v1/alerts/${id}/ack`, action);
  }

  workers(unit: string, after: string | null = null, limit = 1000): Promise<Page<WorkerItem>> {
    return this.send('GET', `api/v1/workers${query({ unit, limit, after })}`);
  }

  /** The unit's workers, following the pages' `next` for at most five pages. */
  async allWorkers(unit: string): Promise<WorkerItem[]> {
    const all: WorkerItem[] = [];
    let after: string | null = null;
    for (let page = 0; page < workerPages; page++) {
      const workers: Page<WorkerItem> = await this.workers(unit, after);
      all.push(...workers.items);
      after = workers.next;
      if (!after) {
        break;
      }
    }
    return all;
  }

  incidents(unit: string, limit = 1000): Promise<Page<IncidentItem>> {
    return this.send('GET', `api/v1/incidents${query({ unit, limit })}`);
  }

  /** The open campaigns (专项整治) within the unit, with each grid's progress. */
  openCampaigns(unit: string): Promise<Page<Campaign>> {
    return this.send('GET', `api/v1/campaigns${query({ unit, state: 'open', limit: 20 })}`);
  }

  kpis(unit: string): Promise<Kpis> {
    return this.send('GET', `api/v1/kpis${query({ unit })}`);
  }

  /** Any operator call: a JSON body (or FormData, sent as it is); the answer's JSON, or null for an empty one. */
  request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return this.send<T>(method, path.replace(/^\//, ''), body);
  }

  /** An operator call whose answer is a file (exports): the response's blob and its file name, if it gives one. */
  async download(path: string, retried = false): Promise<{ blob: Blob; fileName: string | null }> {
    const headers = { Authorization: `Bearer ${await this.credentials!.accessToken()}` };
    const response = await this.fetchFn(this.base + path.replace(/^\//, ''), { method: 'GET', headers });
    if (response.status === 401 && !retried) {
      await this.credentials!.refresh();
      return this.download(path, true);
    }
    if (!response.ok) {
      const text = await response.text();
      throw new ApiError(response.status, text ? JSON.parse(text) : {});
    }
    const disposition = response.headers.get('content-disposition') ?? '';
    const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
    return { blob: await response.blob(), fileName: name ? decodeURIComponent(name) : null };
  }

  private async send<T>(method: Method, path: string, body?: unknown, authorised = true, retried = false): Promise<T> {
    const form = typeof FormData !== 'undefined' && body instanceof FormData;
    const headers: Record<string, string> = body === undefined || form ? {} : { 'Content-Type': 'application/json' };
    if (authorised) {
      if (!this.credentials) {
        throw new ApiError(401, { title: 'signed out' });
      }
      headers.Authorization = `Bearer ${await this.credentials.accessToken()}`;
    }
    const payload = body === undefined ? undefined : form ? (body as FormData) : JSON.stringify(body);
    const response = await this.fetchFn(path.startsWith('/') ? path : this.base + path, { method, headers, body: payload });
    if (response.status === 401 && authorised && !retried) {
      await this.credentials!.refresh();
      return this.send<T>(method, path, body, authorised, true);
    }
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) {
      throw new ApiError(response.status, json ?? {});
    }
    return json as T;
  }
}

/** A query string; parameters that are null are left out. */
export function query(parameters: Record<string, string | number | null>): string {
  const pairs = Object.entries(parameters).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}
