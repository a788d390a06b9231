import QRCode from 'qrcode';
import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import './people.css';

// 设备: devices within the caller's scope with their health, provisioning (the key shown once, as text and in the
// sign-in payload the worker's app reads) and revocation.

interface DeviceItem { id: string; kind: string; boundTo: string; gridCode: string; provisionedAt: string; online: boolean; lastSeenAt: string | null; batteryPct: number | null; strapIntact: boolean | null }

/** What the worker's app reads from the QR code (docs/console.md): version, gateway origin, device id and key. */
export function signInPayload(gateway: string, deviceId: string, key: string): string {
  return JSON.stringify({ v: 1, gateway, deviceId, key });
}

function kindLabel(ctx: ConsoleContext, kind: string): string {
  return kind === 'worker-phone' ? ctx.t('网格员手机', 'Worker phone') : kind === 'wristband' ? ctx.t('手环', 'Wristband') : kind === 'person-phone' ? ctx.t('人员手机', 'Person phone') : kind;
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  host.innerHTML = `<h2>${ctx.t('设备', 'Devices')}</h2>
    <form class="provision">
      <label>${ctx.t('类型', 'Kind')}<select name="kind">${['worker-phone', 'wristband', 'person-phone'].map((k) => `<option value="${k}">${escapeHtml(kindLabel(ctx, k))}</option>`).join('')}</select></label>
      <label>${ctx.t('绑定人员编号（网格员或重点人员）', 'Bound to (worker or key person id)')}<input name="boundTo" required value="${escapeHtml(route.query.get('boundTo') ?? '')}" /></label>
      <button type="submit" data-action="provision">${ctx.t('发放设备', 'Provision')}</button>
    </form>
    <section class="issued" hidden></section>`;
  const form = host.querySelector<HTMLFormElement>('.provision')!;
  let opId = newOpId('device');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const issued = await ctx.api.request<{ deviceId: string; key: string }>('POST', 'api/v1/devices', { kind: v.kind, boundTo: v.boundTo, opId });
      opId = newOpId('device');
      const section = host.querySelector<HTMLElement>('.issued')!;
      section.hidden = false;
      const payload = signInPayload(location.origin, issued.deviceId, issued.key);
      section.innerHTML = `<h3>${ctx.t('设备密钥（仅显示一次）', 'Device key (shown once)')}</h3>
        <p>${ctx.t('设备', 'Device')}: <code data-field="deviceId">${escapeHtml(issued.deviceId)}</code></p>
        <p class="device-key" data-field="key">${escapeHtml(issued.key)}</p>
        <p>${ctx.t('网格员应用扫码登录的内容', 'What the worker app reads')}:</p>
        <pre class="device-key" data-field="payload">${escapeHtml(payload)}</pre>
        <figure class="device-qr" data-field="qr"></figure>`;
      // The QR code is drawn here from the payload: the key never leaves the page for it.
      section.querySelector<HTMLElement>('.device-qr')!.innerHTML = await QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 240 });
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });

  const all: [string, string] = ['', ctx.t('全部', 'All')];
  host.append(filterBar(ctx, route, [
    { name: 'unit', label: ctx.t('单位代码', 'Unit code'), type: 'search' },
    { name: 'kind', label: ctx.t('类型', 'Kind'), options: [all, ...['worker-phone', 'wristband', 'person-phone'].map((k): [string, string] => [k, kindLabel(ctx, k)])] },
    { name: 'online', label: ctx.t('在线', 'Online'), options: [all, ['true', ctx.t('在线', 'Online')], ['false', ctx.t('离线', 'Offline')]] },
  ]));
  const table = document.createElement('div');
  host.append(table);
  await pagedTable<DeviceItem>(table, ctx, {
    path: 'api/v1/devices',
    query: { unit, kind: route.query.get('kind'), online: route.query.get('online') },
    id: (d) => d.id,
    columns: [
      { title: ctx.t('设备', 'Device'), cell: (d) => escapeHtml(d.id) },
      { title: ctx.t('类型', 'Kind'), cell: (d) => escapeHtml(kindLabel(ctx, d.kind)) },
      { title: ctx.t('绑定', 'Bound to'), cell: (d) => escapeHtml(d.boundTo) },
      { title: ctx.t('网格', 'Grid'), cell: (d) => escapeHtml(d.gridCode) },
      { title: ctx.t('在线', 'Online'), cell: (d) => (d.online ? ctx.t('在线', 'online') : ctx.t('离线', 'offline')) },
      { title: ctx.t('电量', 'Battery'), cell: (d) => (d.batteryPct === null ? '—' : `${Math.round(d.batteryPct)}%`) },
      { title: ctx.t('最后上报', 'Last seen'), cell: (d) => (d.lastSeenAt ? escapeHtml(new Date(d.lastSeenAt).toLocaleString(ctx.language)) : '—') },
      { title: '', cell: () => `<button type="button" data-action="revoke">${ctx.t('吊销', 'Revoke')}</button>` },
    ],
  });
  table.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=revoke]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    if (await confirmAction(ctx, ctx.t(`吊销设备 ${row.dataset.id}？`, `Revoke device ${row.dataset.id}?`), false) === null) {
      return;
    }
    await ctx.api.request('DELETE', `api/v1/devices/${encodeURIComponent(row.dataset.id!)}`);
    row.remove();
  });
}

export const devicesPage: ConsolePage = {
  path: 'devices',
  title: { zh: '设备', en: 'Devices' },
  permissions: ['manage-devices'],
  mount,
};
