import type { Outcome, QueueItem, Sender } from './queue';

// The device API as the worker's phone calls it: every request carries the device key (X-Device-Key), never an operator's
// token. Answers are sorted once here into what the queue does next (docs/worker-app.md, "Offline behaviour").

/** What the console's QR code holds (src/console/pages/devices.ts signInPayload). */
export interface SignInPayload {
  v: 1;
  gateway: string;
  deviceId: string;
  key: string;
}

/** The signed-in device as GET /api/v1/device/me names it, with its key. */
export interface DeviceIdentity {
  deviceId: string;
  kind: 'worker-phone' | 'wristband' | 'person-phone';
  boundTo: string;
  key: string;
}

export interface DeviceTask {
  kind: 'incident' | 'visit' | 're-register' | 'inspection' | 'campaign-visit';
  id: string;
  title: string;
  due: string | null;
  /** A case's description, its unit's name and position (WGS-84); null for other tasks. */
  description?: string | null;
  place?: string | null;
  lat?: number | null;
  lon?: number | null;
}

/** An urgent alert of the worker's grid (critical, firing or acknowledged), as GET /api/v1/device/alerts lists it. */
export interface DeviceAlert {
  id: string;
  ruleId: string;
  title: string;
  severity: string;
  state: 'firing' | 'acknowledged';
  unitCode: string;
  place: string | null;
  subject: { kind: string; id: string };
  raisedAt: string;
}

/** Reads a pasted or scanned payload; the reason it cannot be used otherwise (zh / en). */
export function parsePayload(text: string, origin: string): { payload?: SignInPayload; error?: [string, string] } {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    return { error: ['不是有效的登记码', 'Not a sign-in code'] };
  }
  const p = value as Partial<SignInPayload>;
  if (typeof p !== 'object' || p === null || p.v !== 1 || typeof p.deviceId !== 'string' || typeof p.key !== 'string' || typeof p.gateway !== 'string') {
    return { error: ['登记码缺少设备或密钥', 'The code lacks the device or its key'] };
  }
  let gateway: string;
  try {
    gateway = new URL(p.gateway).origin;
  } catch {
    return { error: ['登记码中的服务器地址无效', 'The code names no valid server'] };
  }
  if (gateway !== origin) {
    // The key stays with the origin that issued it; the app calls only its own origin (Content-Security-Policy connect-src 'self').
    return { error: [`此登记码属于 ${gateway}，请在 ${gateway}/app/ 打开`, `This code belongs to ${gateway}; open ${gateway}/app/`] };
  }
  return { payload: { v: 1, gateway, deviceId: p.deviceId, key: p.key } };
}

export class DeviceUnauthorized extends Error {}

/** Thrown for a request the network did not carry (offline, DNS, a reset connection). */
export class NetworkDown extends Error {}

export class DeviceApi {
  constructor(
    private readonly key: string,
    private readonly base = '/',
  ) {}

  async fetch(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = { method, headers: { 'X-Device-Key': this.key, ...headers }, cache: 'no-store' };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      return await fetch(this.base + path, init);
    } catch (e) {
      throw new NetworkDown(String(e));
    }
  }

  /** The key's device; throws DeviceUnauthorized for an unknown or revoked key. */
  async me(): Promise<Omit<DeviceIdentity, 'key'>> {
    const response = await this.fetch('GET', 'api/v1/device/me');
    if (response.status === 401) {
      throw new DeviceUnauthorized('revoked');
    }
    if (!response.ok) {
      throw new Error(`device/me ${response.status}`);
    }
    return response.json();
  }

  /** The tasks, or null when they did not change since the ETag given (304). */
  async tasks(etag: string | undefined): Promise<{ items: DeviceTask[]; etag: string | null } | null> {
    const response = await this.fetch('GET', 'api/v1/device/tasks', undefined, etag ? { 'If-None-Match': etag } : {});
    if (response.status === 304) {
      return null;
    }
    if (response.status === 401) {
      throw new DeviceUnauthorized('revoked');
    }
    if (!response.ok) {
      throw new Error(`device/tasks ${response.status}`);
    }
    const page = (await response.json()) as { items: DeviceTask[] };
    return { items: page.items, etag: response.headers.get('ETag') };
  }

  /** The grid's urgent alerts, or null when they did not change since the ETag given (304). */
  async alerts(etag: string | undefined): Promise<{ items: DeviceAlert[]; etag: string | null } | null> {
    const response = await this.fetch('GET', 'api/v1/device/alerts', undefined, etag ? { 'If-None-Match': etag } : {});
    if (response.status === 304) {
      return null;
    }
    if (response.status === 401) {
      throw new DeviceUnauthorized('revoked');
    }
    if (!response.ok) {
      throw new Error(`device/alerts ${response.status}`);
    }
    const page = (await response.json()) as { items: DeviceAlert[] };
    return { items: page.items, etag: response.headers.get('ETag') };
  }

  async categories(): Promise<{ code: string; name: string }[]> {
    const response = await this.fetch('GET', 'api/v1/device/incident-categories');
    if (response.status === 401) {
      throw new DeviceUnauthorized('revoked');
    }
    return response.ok ? ((await response.json()) as { items: { code: string; name: string }[] }).items : [];
  }
}

/** The queue's sender over the device API: statuses as batches, everything else one request per item, in order. */
export class DeviceSender implements Sender {
  constructor(private readonly api: DeviceApi) {}

  async statuses(items: QueueItem[]): Promise<Outcome[] | Outcome> {
    let response: Response;
    try {
      response = await this.api.fetch('POST', 'api/v1/device/status/batch', { items: items.map((i) => i.body) });
    } catch (e) {
      return offline(e);
    }
    if (!response.ok) {
      return outcomeOf(response, await reasonOf(response));
    }
    const answer = (await response.json()) as { results: { opId: string; status: string; error?: string }[] };
    const byOp = new Map(answer.results.map((r) => [r.opId, r]));
    return items.map((item) => {
      const r = byOp.get(item.opId);
      return !r ? { kind: 'failed', status: 0, reason: 'no answer' } : r.status === 'rejected' ? { kind: 'failed', status: 400, reason: r.error ?? 'rejected' } : { kind: 'done' };
    });
  }

  async one(item: QueueItem): Promise<Outcome> {
    let response: Response;
    try {
      response = await this.send(item);
    } catch (e) {
      return offline(e);
    }
    return response.ok ? { kind: 'done' } : outcomeOf(response, await reasonOf(response));
  }

  private send(item: QueueItem): Promise<Response> {
    switch (item.kind) {
      case 'incident':
        return this.api.fetch('POST', 'api/v1/device/incidents', withPhotos(item));
      case 'visit':
        return this.api.fetch('POST', 'api/v1/device/visits', item.body);
      case 'feedback':
        return this.api.fetch('POST', `api/v1/device/incidents/${encodeURIComponent(item.caseId!)}/actions`, withPhotos(item));
      case 'check-in':
        return this.api.fetch('POST', 'api/v1/device/check-ins', item.body);
      case 'collection':
        return this.api.fetch('POST', 'api/v1/device/collections', item.body);
      case 'status':
        return this.api.fetch('POST', 'api/v1/device/status', item.body);
      case 'campaign-visit':
        return this.api.fetch('POST', `api/v1/device/campaign-tasks/${encodeURIComponent(item.taskId!)}/complete`, item.body);
    }
  }
}

/** An item's body as JSON, or — with photos (a report, a 反馈) — as a form with the same fields and the photos in `media`. */
function withPhotos(item: QueueItem): unknown {
  if (!item.photos?.length) {
    return item.body;
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(item.body)) {
    if (value !== undefined && value !== null) {
      form.append(name, String(value));
    }
  }
  item.photos.forEach((photo, k) => form.append('media', photo, `photo-${k + 1}.jpg`));
  return form;
}

function offline(e: unknown): Outcome {
  return { kind: 'retry', afterMs: 5000, reason: e instanceof NetworkDown ? 'offline' : String(e) };
}

/** 401: the key is unknown or revoked (sign out); 429 and 5xx: later, as Retry-After says; any other 4xx: refused for good. */
export function outcomeOf(response: Response, reason: string): Outcome {
  if (response.status === 401) {
    return { kind: 'signed-out', reason };
  }
  if (response.status === 429 || response.status === 408 || response.status >= 500) {
    const seconds = Number(response.headers.get('Retry-After'));
    return { kind: 'retry', afterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 5000, reason };
  }
  return { kind: 'failed', status: response.status, reason };
}

/** A problem's title and field errors in one line. */
async function reasonOf(response: Response): Promise<string> {
  try {
    const problem = (await response.json()) as { title?: string; detail?: string; errors?: Record<string, string[]> };
    const fields = Object.entries(problem.errors ?? {}).map(([k, v]) => `${k}: ${v.join('; ')}`);
    return [problem.title, problem.detail, ...fields].filter(Boolean).join(' — ') || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}
