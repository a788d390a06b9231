import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import './rules.css';

// 通知外发: the webhook subscriptions of the units within the caller's (GET /api/v1/notification-subscriptions), creating one
// (POST — errors at their fields), disabling and enabling one (confirmed), and the recent deliveries with their state
// (GET /api/v1/notifications), a dead-lettered one sent again (POST /api/v1/notifications/{id}/retry). docs/notifications.md.

interface SubscriptionItem {
  id: string; name: string; unitCode: string; kinds: string[]; url: string; format: string; signed: boolean; disabled: boolean;
  createdAt: string; createdBy: string;
}

interface DeliveryItem {
  id: number; subscriptionId: string; subscriptionName: string; kind: string; unitCode: string; subjectKind: string; subjectId: string;
  state: string; attempts: number; createdAt: string; lastAttemptAt: string | null; lastStatus: number | null; lastError: string | null;
  deliveredAt: string | null; nextAttemptAt: string | null;
}

const kinds: [string, string, string][] = [
  ['escalation', '督办', 'Escalation'], ['critical-alert', '紧急告警', 'Critical alert'], ['task-assignment', '派遣任务', 'Task assignment'],
];
const formats: [string, string, string][] = [
  ['json', '通用 JSON', 'Generic JSON'], ['wecom', '企业微信群机器人', 'WeCom group robot'], ['dingtalk', '钉钉群机器人', 'DingTalk group robot'],
];
const states: [string, string, string][] = [
  ['pending', '待发送', 'Pending'], ['delivered', '已送达', 'Delivered'], ['dead', '已放弃', 'Dead-lettered'],
];

function label(ctx: ConsoleContext, table: [string, string, string][], value: string): string {
  const found = table.find(([v]) => v === value);
  return found ? ctx.t(found[1], found[2]) : value;
}

function time(value: string | null): string {
  return value ? new Date(value).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '';
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  host.innerHTML = `<h2>${ctx.t('通知外发', 'Notifications')}</h2>
    <form class="subscription-create">
      <label>${ctx.t('名称', 'Name')}<input name="name" autocomplete="off" /></label>
      <label>${ctx.t('单位代码（含下级）', 'Unit code (and below)')}<input name="unitCode" value="${escapeHtml(ctx.me.unitCode)}" /></label>
      <fieldset data-field="kinds"><legend>${ctx.t('通知类别', 'Kinds')}</legend>
        ${kinds.map(([k, zh, en]) => `<label class="check"><input type="checkbox" name="kinds" value="${k}" checked /> ${escapeHtml(ctx.t(zh, en))}</label>`).join('')}
      </fieldset>
      <label>${ctx.t('格式', 'Format')}<select name="format">${formats.map(([f, zh, en]) => `<option value="${f}">${escapeHtml(ctx.t(zh, en))}</option>`).join('')}</select></label>
      <label>${ctx.t('接收地址 (URL)', 'Receiver URL')}<input name="url" type="url" placeholder="https://" autocomplete="off" /></label>
      <label>${ctx.t('签名密钥（可选；钉钉为“加签”密钥）', 'Signing secret (optional; DingTalk: its sign secret)')}<input name="secret" type="password" autocomplete="new-password" /></label>
      <button type="submit" data-action="create">${ctx.t('创建订阅', 'Subscribe')}</button>
      <p class="created" role="status" hidden></p>
    </form>
    <h3>${ctx.t('订阅', 'Subscriptions')}</h3>
    <div class="subscriptions"></div>
    <h3>${ctx.t('最近发送', 'Recent deliveries')}</h3>`;
  const form = host.querySelector<HTMLFormElement>('.subscription-create')!;
  let opId = newOpId('subscription');
  form.addEventListener('input', () => { opId = newOpId('subscription'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const chosen = [...form.querySelectorAll<HTMLInputElement>('input[name=kinds]:checked')].map((c) => c.value);
    try {
      const created = await ctx.api.request<SubscriptionItem>('POST', 'api/v1/notification-subscriptions', {
        opId, name: v.name ?? '', unitCode: v.unitCode ?? '', kinds: chosen, url: v.url ?? '', format: v.format, secret: v.secret ?? null,
      });
      opId = newOpId('subscription');
      ctx.navigate('notifications', { created: created.id });
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
  const created = route.query.get('created');
  if (created) {
    const note = form.querySelector<HTMLElement>('.created')!;
    note.hidden = false;
    note.textContent = ctx.t(`已创建订阅 ${created}`, `Subscribed: ${created}`);
  }

  const subscriptions = host.querySelector<HTMLElement>('.subscriptions')!;
  await pagedTable<SubscriptionItem>(subscriptions, ctx, {
    path: 'api/v1/notification-subscriptions',
    query: {},
    id: (s) => s.id,
    columns: [
      { title: ctx.t('名称', 'Name'), cell: (s) => escapeHtml(s.name) },
      { title: ctx.t('单位', 'Unit'), cell: (s) => `<code>${escapeHtml(s.unitCode)}</code>` },
      { title: ctx.t('类别', 'Kinds'), cell: (s) => s.kinds.map((k) => escapeHtml(label(ctx, kinds, k))).join('、') },
      { title: ctx.t('格式', 'Format'), cell: (s) => escapeHtml(label(ctx, formats, s.format)) },
      { title: ctx.t('地址', 'URL'), cell: (s) => `<code>${escapeHtml(s.url)}</code>${s.signed ? ` · ${ctx.t('已签名', 'signed')}` : ''}` },
      { title: ctx.t('状态', 'State'), cell: (s) => `<span data-field="disabled">${s.disabled ? ctx.t('已停用', 'disabled') : ctx.t('启用', 'enabled')}</span>` },
      {
        title: '', cell: (s) => (s.disabled
          ? `<button type="button" data-action="enable">${ctx.t('启用', 'Enable')}</button>`
          : `<button type="button" data-action="disable">${ctx.t('停用', 'Disable')}</button>`),
      },
    ],
  });
  subscriptions.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=disable], [data-action=enable]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    e.stopPropagation();
    const action = button.dataset.action!;
    const id = row.dataset.id!;
    const question = action === 'disable' ? ctx.t(`停用订阅 ${id}？`, `Disable ${id}?`) : ctx.t(`启用订阅 ${id}？`, `Enable ${id}?`);
    if (await confirmAction(ctx, question, false) === null) {
      return;
    }
    try {
      const s = await ctx.api.request<SubscriptionItem>('POST', `api/v1/notification-subscriptions/${encodeURIComponent(id)}/${action}`, { opId: newOpId('subscription') });
      row.querySelector('[data-field=disabled]')!.textContent = s.disabled ? ctx.t('已停用', 'disabled') : ctx.t('启用', 'enabled');
      button.dataset.action = s.disabled ? 'enable' : 'disable';
      button.textContent = s.disabled ? ctx.t('启用', 'Enable') : ctx.t('停用', 'Disable');
    } catch (error) {
      fail(subscriptions, error);
    }
  });

  const all: [string, string] = ['', ctx.t('全部', 'All')];
  host.append(filterBar(ctx, route, [
    { name: 'state', label: ctx.t('状态', 'State'), options: [all, ...states.map(([s, zh, en]): [string, string] => [s, ctx.t(zh, en)])] },
    { name: 'subscription', label: ctx.t('订阅编号', 'Subscription id'), type: 'search' },
  ]));
  const deliveries = document.createElement('div');
  deliveries.className = 'deliveries';
  host.append(deliveries);
  await pagedTable<DeliveryItem>(deliveries, ctx, {
    path: 'api/v1/notifications',
    query: { state: route.query.get('state'), subscription: route.query.get('subscription') },
    id: (d) => String(d.id),
    open: (d) => { if (d.subjectKind === 'incident') { ctx.navigate(`cases/${d.subjectId}`); } },
    columns: [
      { title: ctx.t('时间', 'Time'), cell: (d) => escapeHtml(time(d.createdAt)) },
      { title: ctx.t('订阅', 'Subscription'), cell: (d) => escapeHtml(d.subscriptionName) },
      { title: ctx.t('类别', 'Kind'), cell: (d) => escapeHtml(label(ctx, kinds, d.kind)) },
      { title: ctx.t('对象', 'About'), cell: (d) => `${d.subjectKind === 'incident' ? ctx.t('案件', 'Case') : ctx.t('告警', 'Alert')} <code>${escapeHtml(d.subjectId)}</code>` },
      { title: ctx.t('状态', 'State'), cell: (d) => `<span data-field="state" class="state-${escapeHtml(d.state)}">${escapeHtml(label(ctx, states, d.state))}</span>` },
      { title: ctx.t('尝试次数', 'Attempts'), cell: (d) => `<span data-field="attempts">${d.attempts}</span>` },
      {
        title: ctx.t('最近结果', 'Last result'),
        cell: (d) => escapeHtml(d.state === 'delivered' ? `${d.lastStatus ?? ''} · ${time(d.deliveredAt)}`
          : [d.lastError ?? '', d.nextAttemptAt ? ctx.t(`下次 ${time(d.nextAttemptAt)}`, `next ${time(d.nextAttemptAt)}`) : ''].filter(Boolean).join(' · ')),
      },
      { title: '', cell: (d) => (d.state === 'dead' ? `<button type="button" data-action="retry">${ctx.t('重新发送', 'Send again')}</button>` : '') },
    ],
  });
  deliveries.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=retry]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    e.stopPropagation();
    try {
      const d = await ctx.api.request<DeliveryItem>('POST', `api/v1/notifications/${encodeURIComponent(row.dataset.id!)}/retry`, { opId: newOpId('retry') });
      row.querySelector('[data-field=state]')!.textContent = label(ctx, states, d.state);
      row.querySelector('[data-field=attempts]')!.textContent = String(d.attempts);
      button.remove();
    } catch (error) {
      fail(deliveries, error);
    }
  });
}

/**
 * The notifications sent about one alert or case (`api/v1/alerts/{id}/notifications`, `api/v1/incidents/{id}/notifications`:
 * every role that reads the object), drawn into host as a small table (rows `data-id` = notification id); a dead-lettered
 * one offers `retry` to administrators who manage notifications. Draws nothing when there are none.
 */
export async function subjectDeliveries(host: HTMLElement, ctx: ConsoleContext, path: string): Promise<void> {
  const list = await ctx.api.request<{ items: DeliveryItem[] }>('GET', path).catch(() => null);
  if (!list || list.items.length === 0) {
    host.hidden = true;
    return;
  }
  host.hidden = false;
  const retry = ctx.can('manage-notifications');
  host.innerHTML = `<h3>${ctx.t('通知外发', 'Notifications sent')}</h3>
    <table class="list deliveries"><thead><tr><th>${ctx.t('订阅', 'Subscription')}</th><th>${ctx.t('类型', 'Kind')}</th><th>${ctx.t('状态', 'State')}</th>
      <th>${ctx.t('尝试次数', 'Attempts')}</th><th>${ctx.t('最近结果', 'Last result')}</th><th></th></tr></thead><tbody>
    ${list.items.map((d) => `<tr data-id="${d.id}"><td>${escapeHtml(d.subscriptionName)}</td><td>${escapeHtml(label(ctx, kinds, d.kind))}</td>
      <td><span data-field="state" data-state="${escapeHtml(d.state)}" class="state-${escapeHtml(d.state)}">${escapeHtml(label(ctx, states, d.state))}</span></td>
      <td data-field="attempts">${d.attempts}</td>
      <td>${escapeHtml(d.state === 'delivered' ? `${d.lastStatus ?? ''} · ${time(d.deliveredAt)}` : [d.lastStatus ?? '', d.lastError ?? ''].filter(Boolean).join(' · '))}</td>
      <td>${retry && d.state === 'dead' ? `<button type="button" data-action="retry">${ctx.t('重新发送', 'Send again')}</button>` : ''}</td></tr>`).join('')}
    </tbody></table>`;
  host.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=retry]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    try {
      const d = await ctx.api.request<DeliveryItem>('POST', `api/v1/notifications/${encodeURIComponent(row.dataset.id!)}/retry`, { opId: newOpId('retry') });
      row.querySelector('[data-field=state]')!.textContent = label(ctx, states, d.state);
      row.querySelector('[data-field=attempts]')!.textContent = String(d.attempts);
      button.remove();
    } catch (error) {
      fail(host, error);
    }
  });
}

function fail(host: HTMLElement, error: unknown): void {
  const message = document.createElement('p');
  message.className = 'error';
  message.setAttribute('role', 'alert');
  message.textContent = error instanceof Error ? error.message : String(error);
  host.prepend(message);
}

export const notificationsPage: ConsolePage = {
  path: 'notifications',
  title: { zh: '通知外发', en: 'Notifications' },
  permissions: ['manage-notifications'],
  mount,
};
