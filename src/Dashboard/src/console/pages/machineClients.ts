import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { clearProblems, confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import { showError } from './adminForms';
import './admin.css';

// 机器客户端: departmental systems' OAuth 2.0 client-credentials clients within the caller's unit
// (GET /api/v1/machine-clients); register one (POST, data-action="create") — its secret is shown here once and never again —,
// rotate its secret (POST …/rotate, the new one shown once; the old ones work until `previousSecretsEndAt`), disable and
// enable it (confirmed). Administrators only (docs/integration.md).

interface MachineClient { clientId: string; displayName: string; unitCode: string; permissions: string[]; perSecond: number; burst: number; disabled: boolean; createdAt: string; createdBy: string }
interface ClientWithSecret { client: MachineClient; secret: string | null; previousSecretsEndAt: string | null }

const permissions: [string, string, string][] = [
  ['cases:read', '读取事件', 'Read cases'], ['cases:write', '上报事件', 'Report cases'],
  ['events:read', '读取事件流', 'Read the event feed'], ['registry-changes:read', '读取基础信息变更', 'Read registry changes'],
];

function showSecret(host: HTMLElement, ctx: ConsoleContext, issued: ClientWithSecret): void {
  const section = host.querySelector<HTMLElement>('.secret-once')!;
  section.hidden = false;
  section.innerHTML = `<h3>${ctx.t('客户端密钥（仅显示一次，请立即交给对接系统）', 'Client secret (shown once: hand it to the system now)')}</h3>
    <p>client_id: <code data-field="clientId">${escapeHtml(issued.client.clientId)}</code></p>
    <p>client_secret: <code data-field="secret">${escapeHtml(issued.secret ?? '')}</code></p>
    ${issued.previousSecretsEndAt ? `<p data-field="previousSecretsEndAt">${ctx.t('旧密钥失效时间', 'Old secrets stop at')}: ${escapeHtml(new Date(issued.previousSecretsEndAt).toLocaleString(ctx.language))}</p>` : ''}
    <p>${ctx.t('令牌', 'Token')}: <code>POST ${escapeHtml(location.origin)}/api/v1/oauth/token</code> (grant_type=client_credentials)</p>`;
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  host.innerHTML = `<h2>${ctx.t('机器客户端', 'Machine clients')}</h2>
    <form class="admin-form client-create">
      <label>${ctx.t('客户端编号', 'Client id')}<input name="clientId" autocomplete="off" /></label>
      <label>${ctx.t('系统名称', 'Display name')}<input name="displayName" /></label>
      <label>${ctx.t('单位代码', 'Unit code')}<input name="unitCode" value="${escapeHtml(ctx.me.unitCode)}" /></label>
      <fieldset data-field="permissions"><legend>${ctx.t('权限', 'Permissions')}</legend>
        ${permissions.map(([p, zh, en]) => `<label class="check"><input type="checkbox" name="permissions" value="${p}" /> ${escapeHtml(ctx.t(zh, en))} <code>${p}</code></label>`).join('')}
      </fieldset>
      <label>${ctx.t('每秒请求数', 'Requests per second')}<input name="perSecond" type="number" min="1" /></label>
      <label>${ctx.t('突发上限', 'Burst')}<input name="burst" type="number" min="1" /></label>
      <button type="submit" data-action="create">${ctx.t('登记客户端', 'Register')}</button>
    </form>
    <section class="secret-once" role="status" hidden></section>`;
  const form = host.querySelector<HTMLFormElement>('.client-create')!;
  let opId = newOpId('client');
  form.addEventListener('input', () => { opId = newOpId('client'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const chosen = [...form.querySelectorAll<HTMLInputElement>('[name=permissions]:checked')].map((c) => c.value);
    try {
      const issued = await ctx.api.request<ClientWithSecret>('POST', 'api/v1/machine-clients', {
        opId, clientId: v.clientId ?? '', displayName: v.displayName ?? '', unitCode: v.unitCode ?? '', permissions: chosen,
        perSecond: v.perSecond ? Number(v.perSecond) : null, burst: v.burst ? Number(v.burst) : null,
      });
      opId = newOpId('client');
      form.reset();
      clearProblems(form);
      showSecret(host, ctx, issued);
      await list();
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });

  host.append(filterBar(ctx, route, [{ name: 'unit', label: ctx.t('单位代码', 'Unit code'), type: 'search' }]));
  const table = document.createElement('div');
  host.append(table);
  const state = (c: MachineClient) => c.disabled ? ctx.t('已停用', 'disabled') : ctx.t('启用', 'enabled');
  const list = () => pagedTable<MachineClient>(table, ctx, {
    path: 'api/v1/machine-clients',
    query: { unit: route.query.get('unit') },
    id: (c) => c.clientId,
    columns: [
      { title: ctx.t('客户端编号', 'Client id'), cell: (c) => `<code>${escapeHtml(c.clientId)}</code>` },
      { title: ctx.t('系统名称', 'Name'), cell: (c) => escapeHtml(c.displayName) },
      { title: ctx.t('单位', 'Unit'), cell: (c) => escapeHtml(c.unitCode) },
      { title: ctx.t('权限', 'Permissions'), cell: (c) => c.permissions.map((p) => `<code>${escapeHtml(p)}</code>`).join(' ') },
      { title: ctx.t('限流', 'Rate limit'), cell: (c) => `${c.perSecond}/s · ${c.burst}` },
      { title: ctx.t('状态', 'State'), cell: (c) => `<span data-field="disabled">${escapeHtml(state(c))}</span>` },
      {
        title: '', cell: (c) => `<span class="row-actions"><button type="button" data-action="rotate">${ctx.t('更换密钥', 'Rotate secret')}</button>${c.disabled
          ? `<button type="button" data-action="enable">${ctx.t('启用', 'Enable')}</button>`
          : `<button type="button" data-action="disable">${ctx.t('停用', 'Disable')}</button>`}</span>`,
      },
    ],
  });
  table.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action=rotate], button[data-action=disable], button[data-action=enable]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    const clientId = row.dataset.id!;
    const action = button.dataset.action!;
    const question = action === 'rotate' ? ctx.t(`为 ${clientId} 生成新密钥？旧密钥在过渡期后失效。`, `New secret for ${clientId}? The old one stops after the overlap.`)
      : action === 'disable' ? ctx.t(`停用 ${clientId}？其令牌将失效。`, `Disable ${clientId}? Its tokens stop working.`)
      : ctx.t(`启用 ${clientId}？`, `Enable ${clientId}?`);
    if (await confirmAction(ctx, question, false) === null) {
      return;
    }
    try {
      const path = `api/v1/machine-clients/${encodeURIComponent(clientId)}/${action}`;
      if (action === 'rotate') {
        showSecret(host, ctx, await ctx.api.request<ClientWithSecret>('POST', path, { opId: newOpId('client') }));
      } else {
        const client = await ctx.api.request<MachineClient>('POST', path, { opId: newOpId('client') });
        row.querySelector('[data-field=disabled]')!.textContent = state(client);
        button.dataset.action = client.disabled ? 'enable' : 'disable';
        button.textContent = client.disabled ? ctx.t('启用', 'Enable') : ctx.t('停用', 'Disable');
      }
    } catch (error) {
      showError(table, error);
    }
  });
  await list();
}

export const machineClientsPage: ConsolePage = {
  path: 'machine-clients',
  title: { zh: '机器客户端', en: 'Machine clients' },
  permissions: ['manage-machine-clients'],
  mount,
};
