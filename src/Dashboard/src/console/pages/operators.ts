import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import { formDialog, showError } from './adminForms';
import './rules.css';
import './admin.css';

// 账号管理: the accounts within the caller's unit (GET /api/v1/operators), creating one with an initial password
// (POST /api/v1/operators — the server's grant rules decide which role and unit the caller may give: 422 at the field),
// disabling and enabling one (confirmed), resetting one's password (POST …/{username}/password, data-action="reset-password")
// and changing one's name, role, unit or department (PATCH …/{username}, data-action="change") — both in a dialog whose
// fields show the server's 422s. The department is picked from GET /api/v1/departments (enabled ones).

interface OperatorItem { username: string; displayName: string; role: string; unitCode: string; disabled: boolean; departmentCode: string | null }
interface Department { code: string; name: string; districtCode: string; disabled: boolean }

const roles: [string, string, string][] = [
  ['worker', '网格员', 'Worker'], ['staff', '社区工作人员', 'Community staff'], ['operator', '值班员', 'Operator'],
  ['department', '职能部门', 'Department'], ['hotline', '热线', 'Hotline'], ['corrections', '社区矫正', 'Corrections'],
  ['auditor', '审计员', 'Auditor'], ['admin', '管理员', 'Administrator'],
];

function roleLabel(ctx: ConsoleContext, role: string): string {
  const found = roles.find(([r]) => r === role);
  return found ? ctx.t(found[1], found[2]) : role;
}

function departmentOptions(ctx: ConsoleContext, departments: Department[], chosen: string | null): string {
  return `<option value="">${ctx.t('（无）', '(none)')}</option>` + departments.filter((d) => !d.disabled || d.code === chosen)
    .map((d) => `<option value="${escapeHtml(d.code)}"${d.code === chosen ? ' selected' : ''}>${escapeHtml(d.name)} (${escapeHtml(d.code)})</option>`).join('');
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  // The departments within the caller's unit (or of the district holding it), for the department role's picker.
  const departments = await ctx.api.request<{ items: Department[] }>('GET', `api/v1/departments?unit=${encodeURIComponent(ctx.me.unitCode)}`)
    .then((p) => p.items, () => [] as Department[]);
  host.innerHTML = `<h2>${ctx.t('账号管理', 'Operators')}</h2>
    <form class="operator-create">
      <label>${ctx.t('用户名', 'Username')}<input name="username" autocomplete="off" /></label>
      <label>${ctx.t('姓名', 'Display name')}<input name="displayName" /></label>
      <label>${ctx.t('角色', 'Role')}<select name="role">${roles.map(([r, zh, en]) => `<option value="${r}">${escapeHtml(ctx.t(zh, en))}</option>`).join('')}</select></label>
      <label>${ctx.t('单位代码', 'Unit code')}<input name="unitCode" value="${escapeHtml(ctx.me.unitCode)}" /></label>
      <label>${ctx.t('职能部门（职能部门角色）', 'Department (department role)')}<select name="departmentCode">${departmentOptions(ctx, departments, null)}</select></label>
      <label>${ctx.t('初始密码', 'Initial password')}<input name="password" type="password" autocomplete="new-password" /></label>
      <button type="submit" data-action="create">${ctx.t('创建账号', 'Create')}</button>
      <p class="created" role="status" hidden></p>
    </form>`;
  const form = host.querySelector<HTMLFormElement>('.operator-create')!;
  let opId = newOpId('operator');
  form.addEventListener('input', () => { opId = newOpId('operator'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const created = await ctx.api.request<OperatorItem>('POST', 'api/v1/operators', {
        opId, username: v.username, displayName: v.displayName, role: v.role, unitCode: v.unitCode, departmentCode: v.departmentCode ?? null, password: v.password,
      });
      opId = newOpId('operator');
      ctx.navigate('operators', { created: created.username });
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
  const created = route.query.get('created');
  if (created) {
    const note = form.querySelector<HTMLElement>('.created')!;
    note.hidden = false;
    note.textContent = ctx.t(`已创建账号 ${created}`, `Created ${created}`);
  }

  const all: [string, string] = ['', ctx.t('全部', 'All')];
  host.append(filterBar(ctx, route, [
    { name: 'unit', label: ctx.t('单位代码', 'Unit code'), type: 'search' },
    { name: 'role', label: ctx.t('角色', 'Role'), options: [all, ...roles.map(([r, zh, en]): [string, string] => [r, ctx.t(zh, en)])] },
    { name: 'disabled', label: ctx.t('状态', 'State'), options: [all, ['false', ctx.t('启用', 'Enabled')], ['true', ctx.t('已停用', 'Disabled')]] },
  ]));
  const table = document.createElement('div');
  host.append(table);
  await pagedTable<OperatorItem>(table, ctx, {
    path: 'api/v1/operators',
    query: { unit: route.query.get('unit'), role: route.query.get('role'), disabled: route.query.get('disabled') },
    id: (o) => o.username,
    columns: [
      { title: ctx.t('用户名', 'Username'), cell: (o) => `<code>${escapeHtml(o.username)}</code>` },
      { title: ctx.t('姓名', 'Name'), cell: (o) => escapeHtml(o.displayName) },
      { title: ctx.t('角色', 'Role'), cell: (o) => escapeHtml(roleLabel(ctx, o.role)) },
      { title: ctx.t('单位', 'Unit'), cell: (o) => escapeHtml(o.unitCode) + (o.departmentCode ? ` · ${escapeHtml(o.departmentCode)}` : '') },
      { title: ctx.t('状态', 'State'), cell: (o) => `<span data-field="disabled">${o.disabled ? ctx.t('已停用', 'disabled') : ctx.t('启用', 'enabled')}</span>` },
      {
        title: '', cell: (o) => (o.username === ctx.me.username ? '' : `<span class="row-actions">${o.disabled
          ? `<button type="button" data-action="enable">${ctx.t('启用', 'Enable')}</button>`
          : `<button type="button" data-action="disable">${ctx.t('停用', 'Disable')}</button>`}
          <button type="button" data-action="reset-password">${ctx.t('重置密码', 'Reset password')}</button>
          <button type="button" data-action="change">${ctx.t('修改', 'Change')}</button></span>`),
      },
    ],
  });
  table.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=reset-password], [data-action=change]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    const username = row.dataset.id!;
    if (button.dataset.action === 'reset-password') {
      const done = await formDialog(ctx, ctx.t(`重置 ${username} 的密码`, `Reset ${username}'s password`),
        `<p>${ctx.t('新密码交给本人后，请其登录后自行修改。其已登录的会话将在访问令牌过期后结束。', 'Hand the new password over; the holder then picks their own. Their sessions end when their access tokens expire.')}</p>
         <label>${ctx.t('新密码', 'New password')}<input name="password" type="password" autocomplete="new-password" /></label>`,
        'reset-password', ctx.t('重置', 'Reset'),
        async (v) => { await ctx.api.request('POST', `api/v1/operators/${encodeURIComponent(username)}/password`, { opId: newOpId('operator'), password: v.password ?? '' }); });
      if (done) {
        row.querySelector('[data-field=disabled]')!.insertAdjacentHTML('afterend', ` <small class="reset">${ctx.t('密码已重置', 'password reset')}</small>`);
      }
      return;
    }
    let account: OperatorItem;
    try {
      account = await ctx.api.request<OperatorItem>('GET', `api/v1/operators/${encodeURIComponent(username)}`);
    } catch (error) {
      showError(table, error);
      return;
    }
    const done = await formDialog(ctx, ctx.t(`修改账号 ${username}`, `Change ${username}`),
      `<label>${ctx.t('姓名', 'Display name')}<input name="displayName" value="${escapeHtml(account.displayName)}" /></label>
       <label>${ctx.t('角色', 'Role')}<select name="role">${roles.map(([r, zh, en]) => `<option value="${r}"${r === account.role ? ' selected' : ''}>${escapeHtml(ctx.t(zh, en))}</option>`).join('')}</select></label>
       <label>${ctx.t('单位代码', 'Unit code')}<input name="unitCode" value="${escapeHtml(account.unitCode)}" /></label>
       <label>${ctx.t('职能部门（职能部门角色）', 'Department (department role)')}<select name="departmentCode">${departmentOptions(ctx, departments, account.departmentCode)}</select></label>`,
      'change', ctx.t('保存', 'Save'),
      async (v) => {
        // Only what was changed is sent (PATCH): the server judges the new role and unit by its grant rules.
        const body: Record<string, string> = { opId: newOpId('operator') };
        for (const key of ['displayName', 'role', 'unitCode', 'departmentCode'] as const) {
          if ((v[key] ?? '') !== (account[key] ?? '') && v[key]) {
            body[key] = v[key];
          }
        }
        account = await ctx.api.request<OperatorItem>('PATCH', `api/v1/operators/${encodeURIComponent(username)}`, body);
      });
    if (done) {
      const cells = row.querySelectorAll('td');
      cells[1].textContent = account.displayName;
      cells[2].textContent = roleLabel(ctx, account.role);
      cells[3].textContent = account.unitCode + (account.departmentCode ? ` · ${account.departmentCode}` : '');
    }
  });
  table.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=disable], [data-action=enable]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    const action = button.dataset.action!;
    const username = row.dataset.id!;
    const question = action === 'disable' ? ctx.t(`停用账号 ${username}？`, `Disable ${username}?`) : ctx.t(`启用账号 ${username}？`, `Enable ${username}?`);
    if (await confirmAction(ctx, question, false) === null) {
      return;
    }
    try {
      const account = await ctx.api.request<OperatorItem>('POST', `api/v1/operators/${encodeURIComponent(username)}/${action}`, { opId: newOpId('operator') });
      row.querySelector('[data-field=disabled]')!.textContent = account.disabled ? ctx.t('已停用', 'disabled') : ctx.t('启用', 'enabled');
      button.dataset.action = account.disabled ? 'enable' : 'disable';
      button.textContent = account.disabled ? ctx.t('启用', 'Enable') : ctx.t('停用', 'Disable');
    } catch (error) {
      const message = document.createElement('p');
      message.className = 'error';
      message.setAttribute('role', 'alert');
      message.textContent = error instanceof Error ? error.message : String(error);
      table.prepend(message);
    }
  });
}

export const operatorsPage: ConsolePage = {
  path: 'operators',
  title: { zh: '账号管理', en: 'Operators' },
  permissions: ['manage-operators'],
  mount,
};
