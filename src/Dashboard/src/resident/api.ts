// The public page's one API client: Open311 for reporting and following, the follow-up endpoints for rating and reopening.
// No sign-in; the follow-up token of a case reported from this browser is kept in its localStorage only.

export interface Service { service_code: string; service_name: string }

export interface ServiceRequest {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string;
  agency_responsible: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  supporters: number;
  /** The case's photos (re-encoded JPEGs); media_url is the first. */
  media_urls: string[];
}

export interface Created { service_request_id: string; service_notice: string; follow_up_token: string | null }

/** A failed call: the status and what the server said (an Open311 error array or a problem document). */
export class PublicApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

async function read<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = Array.isArray(body) ? body.map((e: { description: string }) => e.description).join('；')
      : body?.errors ? Object.values(body.errors as Record<string, string[]>).flat().join('；') : body?.title ?? `HTTP ${response.status}`;
    throw new PublicApiError(response.status, message);
  }
  return body as T;
}

export async function services(): Promise<Service[]> {
  return read<Service[]>(await fetch('/open311/v2/services.json'));
}

/** A report: form-encoded, or multipart when it carries photos (field media, once per photo). */
export async function report(form: URLSearchParams | FormData): Promise<Created> {
  const answer = await read<Created[]>(await fetch('/open311/v2/requests.json', { method: 'POST', body: form }));
  return answer[0];
}

export async function follow(id: string): Promise<ServiceRequest> {
  const answer = await read<ServiceRequest[]>(await fetch(`/open311/v2/requests/${encodeURIComponent(id)}.json`, { cache: 'no-store' }));
  return answer[0];
}

/** A case's follow-up after the resident's action: its stage and what status_notes says of it. */
export interface FollowUpAnswer { id: string; stage: string; statusNotes: string; rating: string | null; reopenedAt: string | null }

async function followUp(id: string, what: 'rating' | 'reopen', token: string, body: object): Promise<FollowUpAnswer> {
  return read<FollowUpAnswer>(await fetch(`/api/v1/public/cases/${encodeURIComponent(id)}/${what}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Follow-Up-Token': token }, body: JSON.stringify(body),
  }));
}

export const rate = (id: string, token: string, rating: string, comment: string) => followUp(id, 'rating', token, { rating, comment: comment || null });
export const reopen = (id: string, token: string) => followUp(id, 'reopen', token, { reason: '居民不满意，申请重新核查' });

const tokenKey = (id: string) => `opscentre.follow-up.${id}`;
export const keepToken = (id: string, token: string) => localStorage.setItem(tokenKey(id), token);
export const tokenOf = (id: string) => localStorage.getItem(tokenKey(id));
