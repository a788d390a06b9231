import { LinesChart } from 'echarts/charts';
import { echarts } from '../../charts';
import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import { personHandOvers } from './handOvers';
import './people.css';

echarts.use([LinesChart]);

// 重点人员: the list (filtered on the server, masked as the API gives it), a profile (clear data only after a purpose
// is named by a cleared role), forbidden places, check-ins, visits (record one) and the person's devices.

interface KeyPersonItem { id: string; name: string; category: string | null; gridCode: string; state: string }
interface KeyPersonDetail extends KeyPersonItem { supervisionLevel: string; idNumber: string; lat: number | null; lon: number | null; lastCheckIn: string | null }
interface Purpose { code: string; label: string }
interface Zone { id: string; name: string; lat: number | null; lon: number | null; radiusM: number | null; polygon: number[][] | null }
interface Zones { allowed: { unitCode: string }; home: { lat: number; lon: number; radiusM: number } | null; forbidden: Zone[] }

export function categoryLabel(ctx: Pick<ConsoleContext, 't'>, category: string | null): string {
  const labels: Record<string, [string, string]> = {
    'community-corrections': ['社区矫正', 'Community corrections'], 'released-prisoner': ['刑满释放', 'Released prisoner'],
    'drug-rehabilitation': ['社区戒毒', 'Drug rehabilitation'], 'mental-disorder': ['严重精神障碍', 'Mental disorder'],
  };
  return category === null ? '—' : labels[category] ? ctx.t(...labels[category]) : category;
}

const levels: [string, string, string][] = [['strict', '严管', 'Strict'], ['ordinary', '普管', 'Ordinary'], ['lenient', '宽管', 'Lenient']];
const states: [string, string, string][] = [['normal', '正常', 'Normal'], ['attention', '关注', 'Attention'], ['violation', '违规', 'Violation']];

function label(ctx: ConsoleContext, table: [string, string, string][], value: string): string {
  const row = table.find(([v]) => v === value);
  return row ? ctx.t(row[1], row[2]) : value;
}

async function list(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const seesCategories = ctx.can('read-key-person-categories');
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  host.innerHTML = `<h2>${ctx.t('重点人员', 'Key persons')}</h2>`;
  const all: [string, string] = ['', ctx.t('全部', 'All')];
  host.append(filterBar(ctx, route, [
    ...(seesCategories ? [{ name: 'category', label: ctx.t('类别', 'Category'), options: [all, ...['community-corrections', 'released-prisoner', 'drug-rehabilitation', 'mental-disorder'].map((c): [string, string] => [c, categoryLabel(ctx, c)])] }] : []),
    { name: 'level', label: ctx.t('管控级别', 'Level'), options: [all, ...levels.map(([v, zh, en]): [string, string] => [v, ctx.t(zh, en)])] },
    { name: 'state', label: ctx.t('状态', 'State'), options: [all, ...states.map(([v, zh, en]): [string, string] => [v, ctx.t(zh, en)])] },
  ]));
  const table = document.createElement('div');
  host.append(table);
  await pagedTable<KeyPersonItem>(table, ctx, {
    path: 'api/v1/key-persons',
    query: { unit, category: route.query.get('category'), level: route.query.get('level'), state: route.query.get('state') },
    id: (p) => p.id,
    open: (p) => ctx.navigate(`key-persons/${p.id}`),
    columns: [
      { title: ctx.t('编号', 'Id'), cell: (p) => escapeHtml(p.id) },
      { title: ctx.t('姓名', 'Name'), cell: (p) => escapeHtml(p.name) },
      { title: ctx.t('类别', 'Category'), cell: (p) => escapeHtml(categoryLabel(ctx, p.category)) },
      { title: ctx.t('状态', 'State'), cell: (p) => `<span class="state state-${escapeHtml(p.state)}">${escapeHtml(label(ctx, states, p.state))}</span>` },
      { title: ctx.t('网格', 'Grid'), cell: (p) => escapeHtml(p.gridCode) },
    ],
  });
}

async function profile(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const id = route.rest[0]!;
  const purpose = route.query.get('purpose');
  const cleared = ctx.can('read-personal-data-in-clear');
  const suffix = purpose ? `?purpose=${encodeURIComponent(purpose)}` : '';
  const person = await ctx.api.request<KeyPersonDetail>('GET', `api/v1/key-persons/${encodeURIComponent(id)}${suffix}`);
  host.innerHTML = `
    <p><a href="#/key-persons">${ctx.t('← 重点人员', '← Key persons')}</a></p>
    <h2 data-field="name">${escapeHtml(person.name)}</h2>
    <dl class="profile">
      <dt>${ctx.t('编号', 'Id')}</dt><dd>${escapeHtml(person.id)}</dd>
      <dt>${ctx.t('身份证号', 'ID number')}</dt><dd data-field="idNumber">${escapeHtml(person.idNumber)}</dd>
      <dt>${ctx.t('类别', 'Category')}</dt><dd>${escapeHtml(categoryLabel(ctx, person.category))}</dd>
      <dt>${ctx.t('管控级别', 'Level')}</dt><dd>${escapeHtml(label(ctx, levels, person.supervisionLevel))}</dd>
      <dt>${ctx.t('状态', 'State')}</dt><dd>${escapeHtml(label(ctx, states, person.state))}</dd>
      <dt>${ctx.t('网格', 'Grid')}</dt><dd>${escapeHtml(person.gridCode)}</dd>
      ${person.lat !== null ? `<dt>${ctx.t('位置', 'Position')}</dt><dd>${person.lat.toFixed(5)}, ${person.lon!.toFixed(5)}</dd>` : ''}
      ${person.lastCheckIn ? `<dt>${ctx.t('最近报到', 'Last check-in')}</dt><dd>${escapeHtml(new Date(person.lastCheckIn).toLocaleString(ctx.language))}</dd>` : ''}
    </dl>
    <form class="purpose" hidden></form>
    <section class="zones" hidden></section>
    <section class="check-ins"><h3>${ctx.t('报到', 'Check-ins')}</h3><div></div></section>
    <section class="visits"><h3>${ctx.t('走访', 'Visits')}</h3><div></div></section>
    <section class="devices"><h3>${ctx.t('设备', 'Devices')}</h3><div></div></section>
    <section class="hand-overs" hidden></section>`;

  // A cleared role names why before anything is shown in clear; the server audits the read with that purpose.
  if (cleared) {
    const form = host.querySelector<HTMLFormElement>('form.purpose')!;
    const purposes = await ctx.api.request<{ items: Purpose[] }>('GET', 'api/v1/audit/purposes');
    form.hidden = false;
    form.innerHTML = `<label>${ctx.t('查看明文的目的', 'Purpose to see in clear')}
      <select name="purpose"><option value="">${ctx.t('请选择', 'Choose')}</option>${purposes.items.map((p) => `<option value="${escapeHtml(p.code)}"${p.code === purpose ? ' selected' : ''}>${escapeHtml(p.label)} (${escapeHtml(p.code)})</option>`).join('')}</select></label>
      <button type="submit" data-action="read-in-clear">${ctx.t('查看明文', 'Show in clear')}</button>`;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = formValues(form).purpose;
      if (chosen) {
        ctx.navigate(`key-persons/${id}`, { purpose: chosen });
      }
    });
  }

  if (ctx.can('manage-key-person-zones')) {
    await zones(host.querySelector<HTMLElement>('section.zones')!, ctx, id, suffix);
  }

  await pagedTable<{ seq: number; at: string }>(host.querySelector<HTMLElement>('.check-ins div')!, ctx, {
    path: `api/v1/key-persons/${encodeURIComponent(id)}/check-ins`, query: {}, id: (c) => String(c.seq),
    columns: [{ title: ctx.t('时间', 'At'), cell: (c) => escapeHtml(new Date(c.at).toLocaleString(ctx.language)) }],
  }).catch(() => undefined);
  await visits(host.querySelector<HTMLElement>('.visits')!, ctx, id);
  if (ctx.can('hand-over-key-persons')) {
    await personHandOvers(host.querySelector<HTMLElement>('section.hand-overs')!, ctx, id);
  }
  if (ctx.can('manage-devices')) {
    await pagedTable<{ id: string; kind: string; boundTo: string; online: boolean; batteryPct: number | null }>(host.querySelector<HTMLElement>('.devices div')!, ctx, {
      path: 'api/v1/devices', query: { unit: person.gridCode }, id: (d) => d.id,
      columns: [
        { title: ctx.t('设备', 'Device'), cell: (d) => d.boundTo === id ? escapeHtml(`${d.id} · ${d.kind}`) : '' },
        { title: ctx.t('在线', 'Online'), cell: (d) => d.boundTo === id ? (d.online ? ctx.t('在线', 'online') : ctx.t('离线', 'offline')) : '' },
      ],
    });
    host.querySelectorAll<HTMLElement>('.devices tr[data-id]').forEach((row) => { if (!row.textContent?.trim()) { row.remove(); } });
  }
}

async function zones(section: HTMLElement, ctx: ConsoleContext, id: string, suffix: string): Promise<void> {
  section.hidden = false;
  const view = await ctx.api.request<Zones>('GET', `api/v1/key-persons/${encodeURIComponent(id)}/zones${suffix}`);
  section.innerHTML = `
    <h3>${ctx.t('区域', 'Zones')}</h3>
    <p>${ctx.t('允许活动范围', 'Allowed area')}: ${escapeHtml(await ctx.unitName(view.allowed.unitCode))}
      ${view.home ? ` · ${ctx.t('住所', 'Home')}: ${view.home.lat.toFixed(5)}, ${view.home.lon.toFixed(5)} (${view.home.radiusM} m)` : ''}</p>
    <table class="list"><thead><tr><th>${ctx.t('禁止进入区域', 'Forbidden place')}</th><th>${ctx.t('范围', 'Shape')}</th><th></th></tr></thead><tbody>
      ${view.forbidden.map((z) => `<tr data-id="${escapeHtml(z.id)}"><td>${escapeHtml(z.name)}</td>
        <td>${z.polygon ? ctx.t(`多边形 ${z.polygon.length} 点`, `polygon of ${z.polygon.length}`) : `${z.lat!.toFixed(5)}, ${z.lon!.toFixed(5)} · ${z.radiusM} m`}</td>
        <td><button type="button" data-action="delete-zone">${ctx.t('删除', 'Delete')}</button></td></tr>`).join('')}
    </tbody></table>
    <p class="zone-hint">${ctx.t('在地图上点击：圆形取圆心，多边形逐点添加顶点', 'Click the map: a circle takes its centre, a polygon one vertex per click')}</p>
    <div class="zone-map" data-field="map"></div>
    <form class="zone-form">
      <label>${ctx.t('形状', 'Shape')}<select name="shape"><option value="circle">${ctx.t('圆形', 'Circle')}</option><option value="polygon">${ctx.t('多边形', 'Polygon')}</option></select></label>
      <label>${ctx.t('名称', 'Name')}<input name="name" required /></label>
      <label>${ctx.t('纬度', 'Lat')}<input name="lat" inputmode="decimal" /></label>
      <label>${ctx.t('经度', 'Lon')}<input name="lon" inputmode="decimal" /></label>
      <label>${ctx.t('半径(米)', 'Radius (m)')}<input name="radiusM" inputmode="numeric" value="200" /></label>
      <label>${ctx.t('或多边形 [[经度,纬度],…]', 'or polygon [[lon,lat],…]')}<input name="polygon" /></label>
      <button type="submit" data-action="add-zone">${ctx.t('添加禁止进入区域', 'Add forbidden place')}</button>
    </form>`;
  const form = section.querySelector<HTMLFormElement>('.zone-form')!;
  const opId = newOpId('zone');
  await zoneMap(section.querySelector<HTMLElement>('.zone-map')!, ctx, view, form).catch(() => undefined);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const body = v.shape === 'polygon' || (v.polygon && !v.lat)
      ? { opId, name: v.name, polygon: JSON.parse(v.polygon) as number[][] }
      : { opId, name: v.name, lat: Number(v.lat), lon: Number(v.lon), radiusM: Number(v.radiusM) };
    try {
      await ctx.api.request('POST', `api/v1/key-persons/${encodeURIComponent(id)}/zones`, body);
      await zones(section, ctx, id, suffix);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
  section.querySelectorAll<HTMLButtonElement>('[data-action=delete-zone]').forEach((button) => button.addEventListener('click', async () => {
    const zoneId = button.closest<HTMLElement>('tr')!.dataset.id!;
    if (await confirmAction(ctx, ctx.t('删除该禁止进入区域？', 'Delete this forbidden place?'), false) === null) {
      return;
    }
    await ctx.api.request('DELETE', `api/v1/key-persons/${encodeURIComponent(id)}/zones/${encodeURIComponent(zoneId)}`);
    await zones(section, ctx, id, suffix);
  }));
}

/** The district's map with the forbidden places; clicks fill the form: a circle's centre, or a polygon's next vertex. */
async function zoneMap(el: HTMLElement, ctx: ConsoleContext, view: Zones, form: HTMLFormElement): Promise<void> {
  const code = view.allowed.unitCode;
  const map = await ctx.api.unitMap(code);
  const name = `zones-${code}`;
  echarts.registerMap(name, map as never);
  const chart = echarts.init(el, undefined, { renderer: 'canvas' });
  const vertices: number[][] = [];
  const field = (n: string) => form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name=${n}]`)!;
  const draw = () => {
    const centre = field('lat').value && field('lon').value ? [[Number(field('lon').value), Number(field('lat').value)]] : [];
    const places = view.forbidden;
    chart.setOption({
      geo: { map: name, roam: true, itemStyle: { areaColor: '#eef3f8', borderColor: '#7a8ca3' }, emphasis: { disabled: true } },
      series: [
        { type: 'scatter', coordinateSystem: 'geo', symbolSize: 14, itemStyle: { color: 'rgba(192,57,43,0.6)' },
          data: places.filter((z) => z.lat !== null).map((z) => ({ name: z.name, value: [z.lon, z.lat] })) },
        { type: 'lines', coordinateSystem: 'geo', polyline: true, lineStyle: { color: '#c0392b', width: 2 },
          data: places.filter((z) => z.polygon).map((z) => ({ name: z.name, coords: [...z.polygon!, z.polygon![0]!] })) },
        { type: 'scatter', coordinateSystem: 'geo', symbolSize: 10, itemStyle: { color: '#1f6feb' }, data: field('shape').value === 'polygon' ? vertices : centre },
        { type: 'lines', coordinateSystem: 'geo', polyline: true, lineStyle: { color: '#1f6feb', type: 'dashed' }, data: vertices.length > 1 ? [{ coords: [...vertices, vertices[0]!] }] : [] },
      ],
    }, { replaceMerge: ['series'] });
  };
  chart.getZr().on('click', (e: { offsetX: number; offsetY: number }) => {
    const point = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]) as number[] | undefined;
    if (!point) {
      return;
    }
    const [lon, lat] = [Number(point[0]!.toFixed(6)), Number(point[1]!.toFixed(6))];
    if (field('shape').value === 'polygon') {
      vertices.push([lon, lat]);
      field('polygon').value = JSON.stringify(vertices);
    } else {
      field('lat').value = String(lat);
      field('lon').value = String(lon);
    }
    draw();
  });
  form.addEventListener('change', draw);
  draw();
}

async function visits(section: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  const host = section.querySelector<HTMLElement>('div')!;
  await pagedTable<{ id: string; visitedAt: string; outcome: string; notes: string | null; recordedBy: string }>(host, ctx, {
    path: `api/v1/key-persons/${encodeURIComponent(id)}/visits`, query: {}, id: (v) => v.id,
    columns: [
      { title: ctx.t('时间', 'At'), cell: (v) => escapeHtml(new Date(v.visitedAt).toLocaleString(ctx.language)) },
      { title: ctx.t('结果', 'Outcome'), cell: (v) => escapeHtml(v.outcome) },
      { title: ctx.t('记录', 'Notes'), cell: (v) => escapeHtml(v.notes ?? '') },
      { title: ctx.t('记录人', 'By'), cell: (v) => escapeHtml(v.recordedBy) },
    ],
  }).catch(() => undefined);
  const form = document.createElement('form');
  form.className = 'visit-form';
  form.innerHTML = `
    <label>${ctx.t('结果', 'Outcome')}<select name="outcome"><option value="met">${ctx.t('见面', 'Met')}</option><option value="concern">${ctx.t('有异常', 'Concern')}</option><option value="absent">${ctx.t('未见到', 'Absent')}</option></select></label>
    <label>${ctx.t('记录', 'Notes')}<input name="notes" /></label>
    <button type="submit" data-action="record-visit">${ctx.t('记录走访', 'Record visit')}</button>`;
  section.append(form);
  const opId = newOpId('visit');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      await ctx.api.request('POST', `api/v1/key-persons/${encodeURIComponent(id)}/visits`, { opId, outcome: v.outcome, notes: v.notes ?? null, visitedAt: new Date().toISOString() });
      form.remove();
      await visits(section, ctx, id);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

export const keyPersonsPage: ConsolePage = {
  path: 'key-persons',
  title: { zh: '重点人员', en: 'Key persons' },
  permissions: ['read-key-persons'],
  mount: (host, ctx, route) => (route.rest.length > 0 ? profile(host, ctx, route) : list(host, ctx, route)),
};
