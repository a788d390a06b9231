import { ApiError } from '../../api';
import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { formValues, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';

// 网格员: the grid workers of a unit (GET /api/v1/workers, live position and state from each worker's grain) and one
// worker's track (GET /api/v1/workers/{id}/track) — personal data in clear, so the read names its purpose (the server
// requires one, 400 otherwise) and is audited; only roles with `read-tracks` are offered it (admins, operators, staff).

interface WorkerRow { id: string; name: string; gridCode: string; lat: number; lon: number; online: boolean; onDuty: boolean }
interface TrackPoint { seq: number; at: string; lat: number; lon: number; accuracyM: number | null }
interface Track { workerId: string; from: string; to: string; points: TrackPoint[] }
interface Purpose { code: string; label: string }

async function list(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const unit = route.query.get('unit') || ctx.me.unitCode;
  host.innerHTML = `<h2>${ctx.t('网格员', 'Grid workers')}</h2>`;
  host.append(filterBar(ctx, route, [{ name: 'unit', label: ctx.t('单位代码', 'Unit code') }]));
  const table = document.createElement('div');
  host.append(table);
  await pagedTable<WorkerRow>(table, ctx, {
    path: 'api/v1/workers',
    query: { unit },
    id: (w) => w.id,
    open: ctx.can('read-tracks') ? (w) => ctx.navigate(`workers/${w.id}`) : undefined,
    loaded: () => void Promise.all([...table.querySelectorAll<HTMLElement>('[data-unit-code]:not([data-named])')].map(async (el) => {
      el.dataset.named = '';
      el.textContent = await ctx.unitName(el.dataset.unitCode!);
    })),
    columns: [
      { title: ctx.t('编号', 'Id'), cell: (w) => escapeHtml(w.id) },
      { title: ctx.t('姓名', 'Name'), cell: (w) => escapeHtml(w.name) },
      { title: ctx.t('所在网格', 'Grid'), cell: (w) => `<span data-unit-code="${escapeHtml(w.gridCode)}">${escapeHtml(w.gridCode)}</span>` },
      { title: ctx.t('在线', 'Online'), cell: (w) => (w.online ? ctx.t('在线', 'online') : ctx.t('离线', 'offline')) },
      { title: ctx.t('在岗', 'On duty'), cell: (w) => (w.onDuty ? ctx.t('在岗', 'on duty') : '—') },
    ],
  });
}

/** A datetime-local value (the browser's local time) as ISO 8601, or null. */
function isoOf(local: string | undefined): string | null {
  return local ? new Date(local).toISOString() : null;
}

async function track(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const id = route.rest[0]!;
  const purposes = await ctx.api.request<{ items: Purpose[] }>('GET', 'api/v1/audit/purposes');
  host.innerHTML = `<p><a href="#/workers">${ctx.t('← 网格员', '← Grid workers')}</a></p>
    <h2 class="worker-title" data-id="${escapeHtml(id)}">${ctx.t('轨迹', 'Track')} · ${escapeHtml(id)}</h2>
    <p class="hint">${ctx.t('轨迹属个人信息：须说明查看目的，每次查看均记入审计。', 'A track is personal data: name the purpose; every read is audited.')}</p>
    <form class="track-form console-form">
      <label>${ctx.t('查看目的', 'Purpose')}<select name="purpose" data-field="purpose" required><option value="">${ctx.t('请选择', 'Choose')}</option>
        ${purposes.items.map((p) => `<option value="${escapeHtml(p.code)}">${escapeHtml(p.label)} (${escapeHtml(p.code)})</option>`).join('')}</select></label>
      <label>${ctx.t('自', 'From')}<input name="from" type="datetime-local" /></label>
      <label>${ctx.t('至', 'To')}<input name="to" type="datetime-local" /></label>
      <button type="submit" data-action="read-track">${ctx.t('查看轨迹', 'Show track')}</button>
    </form>
    <section class="track"></section>`;
  const form = host.querySelector<HTMLFormElement>('.track-form')!;
  const out = host.querySelector<HTMLElement>('.track')!;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const query = new URLSearchParams({ purpose: v.purpose ?? '' });
    const from = isoOf(v.from);
    const to = isoOf(v.to);
    if (from) { query.set('from', from); }
    if (to) { query.set('to', to); }
    try {
      const t = await ctx.api.request<Track>('GET', `api/v1/workers/${encodeURIComponent(id)}/track?${query}`);
      out.innerHTML = `<p class="track-summary" data-count="${t.points.length}">${escapeHtml(formatTime(t.from, ctx.language))} – ${escapeHtml(formatTime(t.to, ctx.language))} ·
          ${ctx.t(`${t.points.length} 个位置`, `${t.points.length} positions`)}</p>
        <table class="list"><thead><tr><th>${ctx.t('时间', 'At')}</th><th>${ctx.t('纬度', 'Lat')}</th><th>${ctx.t('经度', 'Lon')}</th><th>${ctx.t('精度(米)', 'Accuracy (m)')}</th></tr></thead>
        <tbody>${t.points.map((p) => `<tr data-id="${p.seq}"><td>${escapeHtml(formatTime(p.at, ctx.language))}</td><td>${p.lat.toFixed(6)}</td><td>${p.lon.toFixed(6)}</td><td>${p.accuracyM ?? '—'}</td></tr>`).join('')}</tbody></table>`;
    } catch (error) {
      out.innerHTML = '';
      if (error instanceof ApiError && error.status === 404) {
        out.innerHTML = `<p class="error" role="alert">${ctx.t('没有此网格员', 'No such worker')}</p>`;
        return;
      }
      showProblem(form, error, ctx);
    }
  });
}

export const workersPage: ConsolePage = {
  path: 'workers',
  title: { zh: '网格员', en: 'Grid workers' },
  permissions: ['view-units'],
  mount: (host, ctx, route) => (route.rest[0] && ctx.can('read-tracks') ? track(host, ctx, route) : list(host, ctx, route)),
};
