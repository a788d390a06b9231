import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { formValues, newOpId, showProblem } from '../forms';

// 系统运行: what an administrator does to the running system from the desk, on the existing APIs
// (docs/http-edge.md, docs/operations.md, docs/integration.md):
// - the Orleans Dashboard (`watch-cluster`, the city's administrators): POST /api/v1/orleans-dashboard/session sets a
//   cookie for /orleans-dashboard/ only, then the dashboard opens in a new tab;
// - the gateway's metrics (GET /metrics, the same function) as Prometheus text;
// - a district's event log (`read-events`): GET /api/v1/events?district=&after=, a page at a time, as a screen sees it;
// - appending an event by hand (`append-events`, administrators): POST /api/v1/admin/events, the server refusing the
//   domain's own families (alert., incident., keyperson.) at `type`.

interface LoggedEvent { seq: number; districtCode: string; unitCode: string; type: string; at: string; data: unknown }
interface EventPage { items: LoggedEvent[]; next: string | null; cursor: number }

function clusterSection(host: HTMLElement, ctx: ConsoleContext): void {
  const section = document.createElement('section');
  section.className = 'system-cluster';
  section.innerHTML = `<h3>${ctx.t('集群', 'Cluster')}</h3>
    <div class="case-actions"><button type="button" data-action="open-orleans-dashboard">${ctx.t('打开 Orleans 仪表盘', 'Open the Orleans Dashboard')}</button>
      <button type="button" data-action="read-metrics">${ctx.t('查看运行指标', 'Show metrics')}</button></div>
    <pre class="metrics" hidden></pre>`;
  host.append(section);
  const actions = section.querySelector<HTMLElement>('.case-actions')!;
  section.querySelector('[data-action=open-orleans-dashboard]')!.addEventListener('click', async () => {
    // A window opened before the await keeps the click's permission to open it (pop-up blockers).
    const opened = window.open('about:blank', '_blank');
    try {
      await ctx.api.request('POST', 'api/v1/orleans-dashboard/session');
      if (opened) {
        opened.location.href = new URL('../orleans-dashboard/', location.href).toString();
      }
    } catch (error) {
      opened?.close();
      showProblem(actions, error, ctx);
    }
  });
  section.querySelector('[data-action=read-metrics]')!.addEventListener('click', async () => {
    try {
      const { blob } = await ctx.api.download('metrics');
      const pre = section.querySelector<HTMLElement>('.metrics')!;
      pre.textContent = await blob.text();
      pre.hidden = false;
    } catch (error) {
      showProblem(actions, error, ctx);
    }
  });
}

async function eventsSection(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const district = route.query.get('district') || ctx.me.unitCode.slice(0, 6);
  const after = route.query.get('after') ?? '';
  const section = document.createElement('section');
  section.className = 'system-events';
  section.innerHTML = `<h3>${ctx.t('事件日志', 'Event log')}</h3>
    <form class="events-filter console-form">
      <label>${ctx.t('区代码', 'District')}<input name="district" value="${escapeHtml(district)}" inputmode="numeric" /></label>
      <label>${ctx.t('序号之后', 'After seq')}<input name="after" type="number" min="0" value="${escapeHtml(after)}" /></label>
      <button type="submit" data-action="read-events">${ctx.t('读取', 'Read')}</button>
    </form>
    <div class="events-page"></div>`;
  host.append(section);
  const form = section.querySelector<HTMLFormElement>('.events-filter')!;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    ctx.navigate('system', { district: v.district, after: v.after });
  });
  if (!route.query.has('district')) {
    return;
  }
  const out = section.querySelector<HTMLElement>('.events-page')!;
  try {
    const page = await ctx.api.request<EventPage>('GET', `api/v1/events?district=${encodeURIComponent(district)}&after=${encodeURIComponent(after || '0')}&limit=100`);
    out.innerHTML = `<table class="list"><thead><tr><th>${ctx.t('序号', 'Seq')}</th><th>${ctx.t('时间', 'At')}</th><th>${ctx.t('类型', 'Type')}</th><th>${ctx.t('单位', 'Unit')}</th><th>${ctx.t('内容', 'Data')}</th></tr></thead>
      <tbody>${page.items.map((e) => `<tr data-id="${e.seq}"><td>${e.seq}</td><td>${escapeHtml(formatTime(e.at, ctx.language))}</td><td><code>${escapeHtml(e.type)}</code></td>
        <td>${escapeHtml(e.unitCode)}</td><td><code>${escapeHtml(JSON.stringify(e.data))}</code></td></tr>`).join('')}</tbody></table>
      ${page.items.length === 0 ? `<p class="list-empty">${ctx.t('没有记录', 'Nothing here')}</p>` : ''}
      ${page.next ? `<p><a data-action="more" href="#/system?district=${encodeURIComponent(district)}&after=${encodeURIComponent(page.next)}">${ctx.t('后续', 'Next')}</a></p>` : ''}`;
  } catch (error) {
    showProblem(form, error, ctx);
  }
}

function appendSection(host: HTMLElement, ctx: ConsoleContext): void {
  const section = document.createElement('section');
  section.className = 'system-append';
  section.innerHTML = `<h3>${ctx.t('手工追加事件', 'Append an event')}</h3>
    <p class="hint">${ctx.t('用于管理与验收；告警、事件、重点人员类事件只由系统写入。', 'For administration and acceptance checks; alert, incident and key-person events are written by the system only.')}</p>
    <form class="append-event console-form">
      <label>${ctx.t('单位代码', 'Unit code')}<input name="unitCode" data-field="unitCode" inputmode="numeric" required /></label>
      <label>${ctx.t('类型', 'Type')}<input name="type" data-field="type" required /></label>
      <label class="wide">${ctx.t('内容（JSON 对象）', 'Data (a JSON object)')}<textarea name="data" data-field="data" rows="3">{}</textarea></label>
      <button type="submit" data-action="append-event">${ctx.t('追加', 'Append')}</button>
      <p class="appended" role="status" hidden></p>
    </form>`;
  host.append(section);
  const form = section.querySelector<HTMLFormElement>('.append-event')!;
  let opId = newOpId('event');
  form.addEventListener('input', () => { opId = newOpId('event'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    let data: unknown = v.data ?? '';
    try {
      data = JSON.parse(String(data));
    } catch {
      // Sent as text: the server answers 400 at `data`.
    }
    try {
      const stored = await ctx.api.request<{ districtCode: string; seq: number }>('POST', 'api/v1/admin/events', { opId, unitCode: v.unitCode ?? '', type: v.type ?? '', data });
      form.querySelectorAll('.form-error, .field-error').forEach((el) => el.remove());
      const done = form.querySelector<HTMLElement>('.appended')!;
      done.hidden = false;
      done.dataset.seq = String(stored.seq);
      done.innerHTML = `${ctx.t('已写入', 'Stored as')} <a href="#/system?district=${stored.districtCode}&after=${stored.seq - 1}">${stored.districtCode} #${stored.seq}</a>`;
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  host.innerHTML = `<h2>${ctx.t('系统运行', 'System')}</h2>`;
  if (ctx.can('watch-cluster')) {
    clusterSection(host, ctx);
  }
  if (ctx.can('append-events')) {
    appendSection(host, ctx);
  }
  if (ctx.can('read-events')) {
    await eventsSection(host, ctx, route);
  }
}

export const systemPage: ConsolePage = {
  path: 'system',
  title: { zh: '系统运行', en: 'System' },
  permissions: ['watch-cluster', 'append-events', 'read-events'],
  mount,
};
