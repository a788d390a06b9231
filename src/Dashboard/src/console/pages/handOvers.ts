import { ApiError } from '../../api';
import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';

// 异地移交 (cross-district supervision hand-over, docs/supervision.md): the requests either side of which lies within the
// caller's unit (GET /api/v1/hand-overs), one request with its answer controls for the receiving side (accept, refuse),
// and — on a person's page — the request itself (POST /api/v1/key-persons/{id}/hand-overs). The server decides: only the
// receiving district answers (403 otherwise), so the controls show there only.

export interface HandOver {
  id: string; personId: string; fromGrid: string; toGrid: string; reason: string; requestedBy: string; requestedAt: string;
  respondBy: string; state: string; answeredBy: string | null; answeredAt: string | null; answerNote: string | null;
}

const handOverStates: [string, string, string][] = [
  ['requested', '待答复', 'Awaiting answer'], ['accepted', '已接收', 'Accepted'], ['refused', '已拒绝', 'Refused'], ['withdrawn', '已撤回', 'Withdrawn'],
];

function stateName(ctx: ConsoleContext, state: string): string {
  const found = handOverStates.find(([s]) => s === state);
  return found ? ctx.t(found[1], found[2]) : state;
}

/** The receiving side answers an open request: the caller's unit holds the receiving grid. */
export function mayAnswer(ctx: Pick<ConsoleContext, 'me' | 'can'>, h: Pick<HandOver, 'state' | 'toGrid'>): boolean {
  return h.state === 'requested' && ctx.can('hand-over-key-persons') && h.toGrid.startsWith(ctx.me.unitCode);
}

/** A grid's name where the caller may see it (the other district's grid stays a code). */
async function named(ctx: ConsoleContext, host: HTMLElement): Promise<void> {
  await Promise.all([...host.querySelectorAll<HTMLElement>('[data-unit-code]:not([data-named])')].map(async (el) => {
    el.dataset.named = '';
    const name = await ctx.unitName(el.dataset.unitCode!);
    el.textContent = name === el.dataset.unitCode ? name : `${name} (${el.dataset.unitCode})`;
  }));
}

const unitCell = (code: string) => `<span data-unit-code="${escapeHtml(code)}">${escapeHtml(code)}</span>`;

async function list(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const unit = route.query.get('unit') || ctx.me.unitCode;
  host.innerHTML = `<h2>${ctx.t('异地协作监管移交', 'Supervision hand-overs')}</h2>
    <p class="hint">${ctx.t('本单位申请移出或被请求接收的重点人员；在人员页面发起申请。', 'Requests of your unit and those it is asked to take over; a request starts on the person\'s page.')}</p>`;
  const all: [string, string] = ['', ctx.t('全部', 'All')];
  host.append(filterBar(ctx, route, [
    { name: 'state', label: ctx.t('状态', 'State'), options: [all, ...handOverStates.map(([s, zh, en]): [string, string] => [s, ctx.t(zh, en)])] },
  ]));
  const table = document.createElement('div');
  host.append(table);
  await pagedTable<HandOver>(table, ctx, {
    path: 'api/v1/hand-overs',
    query: { unit, state: route.query.get('state') || null },
    id: (h) => h.id,
    open: (h) => ctx.navigate(`hand-overs/${h.id}`),
    loaded: () => void named(ctx, table),
    columns: [
      { title: ctx.t('人员', 'Person'), cell: (h) => escapeHtml(h.personId) },
      { title: ctx.t('移出网格', 'From'), cell: (h) => unitCell(h.fromGrid) },
      { title: ctx.t('接收网格', 'To'), cell: (h) => unitCell(h.toGrid) },
      { title: ctx.t('方向', 'Side'), cell: (h) => (h.toGrid.startsWith(ctx.me.unitCode) ? ctx.t('请求本单位接收', 'asked of us') : ctx.t('本单位申请', 'ours')) },
      { title: ctx.t('状态', 'State'), cell: (h) => `<span data-state="${escapeHtml(h.state)}">${escapeHtml(stateName(ctx, h.state))}</span>` },
      { title: ctx.t('答复期限', 'Answer by'), cell: (h) => escapeHtml(formatTime(h.respondBy, ctx.language)) },
      { title: ctx.t('申请时间', 'Requested'), cell: (h) => escapeHtml(formatTime(h.requestedAt, ctx.language)) },
    ],
  });
}

function facts(ctx: ConsoleContext, h: HandOver): string {
  const time = (iso: string | null) => (iso ? escapeHtml(formatTime(iso, ctx.language)) : '—');
  return `<dl class="profile hand-over-facts">
      <dt>${ctx.t('人员', 'Person')}</dt><dd>${ctx.can('read-key-persons') ? `<a href="#/key-persons/${encodeURIComponent(h.personId)}">${escapeHtml(h.personId)}</a>` : escapeHtml(h.personId)}</dd>
      <dt>${ctx.t('移出网格', 'From')}</dt><dd>${unitCell(h.fromGrid)}</dd>
      <dt>${ctx.t('接收网格', 'To')}</dt><dd>${unitCell(h.toGrid)}</dd>
      <dt>${ctx.t('事由', 'Reason')}</dt><dd>${escapeHtml(h.reason || '—')}</dd>
      <dt>${ctx.t('申请人', 'Requested by')}</dt><dd>${escapeHtml(h.requestedBy)} · ${time(h.requestedAt)}</dd>
      <dt>${ctx.t('答复期限', 'Answer by')}</dt><dd>${time(h.respondBy)}</dd>
      <dt>${ctx.t('状态', 'State')}</dt><dd class="hand-over-state" data-state="${escapeHtml(h.state)}">${escapeHtml(stateName(ctx, h.state))}</dd>
      ${h.answeredAt ? `<dt>${ctx.t('答复', 'Answer')}</dt><dd>${escapeHtml(h.answeredBy ?? '')} · ${time(h.answeredAt)}${h.answerNote ? ` — ${escapeHtml(h.answerNote)}` : ''}</dd>` : ''}
    </dl>`;
}

async function detail(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  let h: HandOver;
  try {
    h = await ctx.api.request<HandOver>('GET', `api/v1/hand-overs/${encodeURIComponent(id)}`);
  } catch (error) {
    host.innerHTML = `<p><a href="#/hand-overs">${ctx.t('← 移交列表', '← Hand-overs')}</a></p>
      <p class="error" role="alert">${escapeHtml(error instanceof ApiError && error.status === 404 ? ctx.t('没有此移交申请', 'No such hand-over') : String(error))}</p>`;
    return;
  }
  const draw = () => {
    host.innerHTML = `<p><a href="#/hand-overs">${ctx.t('← 移交列表', '← Hand-overs')}</a></p>
      <h2 class="hand-over-title" data-id="${escapeHtml(h.id)}">${ctx.t('移交申请', 'Hand-over')} ${escapeHtml(h.id)}</h2>
      ${facts(ctx, h)}
      <div class="case-actions hand-over-actions">${mayAnswer(ctx, h)
        ? `<button type="button" data-action="accept">${ctx.t('接收', 'Accept')}</button><button type="button" data-action="refuse">${ctx.t('拒绝', 'Refuse')}</button>` : ''}</div>`;
    void named(ctx, host);
    const actions = host.querySelector<HTMLElement>('.hand-over-actions')!;
    actions.addEventListener('click', async (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
      if (!button) {
        return;
      }
      const action = button.dataset.action!;
      const note = await confirmAction(ctx, action === 'accept'
        ? ctx.t('接收该人员的监管？接收后人员转入本区网格。', 'Take over this person\'s supervision? They move to your grid.')
        : ctx.t('拒绝该移交申请？', 'Refuse this hand-over?'));
      if (note === null) {
        return;
      }
      button.disabled = true;
      try {
        h = await ctx.api.request<HandOver>('POST', `api/v1/hand-overs/${encodeURIComponent(h.id)}/${action}`, { note: note || null });
        draw();
      } catch (error) {
        showProblem(actions, error, ctx);
        button.disabled = false;
      }
    });
  };
  draw();
}

/**
 * A person's hand-overs on their page, and the request to another district's grid (申请异地移交) for roles that hand over.
 * The server checks the grid (422 at `toGrid` for one of the person's own district) and one open request per person (409).
 */
export async function personHandOvers(section: HTMLElement, ctx: ConsoleContext, personId: string): Promise<void> {
  section.hidden = false;
  section.innerHTML = `<h3>${ctx.t('异地协作监管移交', 'Supervision hand-over')}</h3><div class="hand-over-list"></div>
    <form class="hand-over-form console-form">
      <label>${ctx.t('接收网格（外区网格 15 位代码）', 'Receiving grid (15 digits, another district)')}<input name="toGrid" data-field="toGrid" inputmode="numeric" required /></label>
      <label>${ctx.t('事由', 'Reason')}<input name="reason" data-field="reason" maxlength="2000" /></label>
      <button type="submit" data-action="hand-over">${ctx.t('申请移交', 'Request hand-over')}</button>
    </form>`;
  await pagedTable<HandOver>(section.querySelector<HTMLElement>('.hand-over-list')!, ctx, {
    path: 'api/v1/hand-overs', query: { unit: ctx.me.unitCode, person: personId }, id: (h) => h.id,
    open: (h) => ctx.navigate(`hand-overs/${h.id}`),
    columns: [
      { title: ctx.t('接收网格', 'To'), cell: (h) => escapeHtml(h.toGrid) },
      { title: ctx.t('状态', 'State'), cell: (h) => `<span data-state="${escapeHtml(h.state)}">${escapeHtml(stateName(ctx, h.state))}</span>` },
      { title: ctx.t('答复期限', 'Answer by'), cell: (h) => escapeHtml(formatTime(h.respondBy, ctx.language)) },
    ],
  }).catch(() => undefined);
  const form = section.querySelector<HTMLFormElement>('.hand-over-form')!;
  let opId = newOpId('hand-over');
  form.addEventListener('input', () => { opId = newOpId('hand-over'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const created = await ctx.api.request<HandOver>('POST', `api/v1/key-persons/${encodeURIComponent(personId)}/hand-overs`, { opId, toGrid: v.toGrid ?? '', reason: v.reason ?? null });
      ctx.navigate(`hand-overs/${created.id}`);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

export const handOversPage: ConsolePage = {
  path: 'hand-overs',
  title: { zh: '异地移交', en: 'Hand-overs' },
  permissions: ['hand-over-key-persons'],
  mount: (host, ctx, route) => (route.rest[0] ? detail(host, ctx, route.rest[0]) : list(host, ctx, route)),
};
