import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar } from '../lists';
import { formDialog, showError } from './adminForms';
import './admin.css';

// 职能部门: the departments of the districts within a unit (GET /api/v1/departments?unit=, disabled ones included);
// create one (POST, code = the district's code, '-', 2–8 capital letters: 422 at `code` outside the caller's unit), rename
// one (PATCH name, data-action="change"), disable / enable one (PATCH disabled, confirmed). A disabled department takes no
// new case; its cases stay readable and counted.

interface Department { code: string; name: string; districtCode: string; disabled: boolean }

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  const district = unit.length >= 6 ? unit.slice(0, 6) : '';
  host.innerHTML = `<h2>${ctx.t('职能部门', 'Departments')}</h2>
    <form class="admin-form department-create">
      <label>${ctx.t('编码（区代码-大写字母）', 'Code (district-LETTERS)')}<input name="code" autocomplete="off" placeholder="${escapeHtml(district || '510104')}-WJ" /></label>
      <label>${ctx.t('名称', 'Name')}<input name="name" /></label>
      <button type="submit" data-action="create">${ctx.t('新建部门', 'Create')}</button>
      <p class="created" role="status" hidden></p>
    </form>`;
  host.append(filterBar(ctx, route, [{ name: 'unit', label: ctx.t('单位代码', 'Unit code'), type: 'search' }]));
  const table = document.createElement('div');
  host.append(table);

  const form = host.querySelector<HTMLFormElement>('.department-create')!;
  let opId = newOpId('department');
  form.addEventListener('input', () => { opId = newOpId('department'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const created = await ctx.api.request<Department>('POST', 'api/v1/departments', { opId, code: v.code ?? '', name: v.name ?? '' });
      opId = newOpId('department');
      ctx.navigate('departments', { unit: route.query.get('unit'), created: created.code });
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
  const created = route.query.get('created');
  if (created) {
    const note = form.querySelector<HTMLElement>('.created')!;
    note.hidden = false;
    note.textContent = ctx.t(`已新建部门 ${created}`, `Created ${created}`);
  }

  const state = (d: Department) => d.disabled ? ctx.t('已停用', 'disabled') : ctx.t('启用', 'enabled');
  const actions = (d: Department) => `<span class="row-actions"><button type="button" data-action="change">${ctx.t('改名', 'Rename')}</button>${d.disabled
    ? `<button type="button" data-action="enable">${ctx.t('启用', 'Enable')}</button>`
    : `<button type="button" data-action="disable">${ctx.t('停用', 'Disable')}</button>`}</span>`;
  const draw = (d: Department) => `<td><code>${escapeHtml(d.code)}</code></td><td data-field="name">${escapeHtml(d.name)}</td>
    <td>${escapeHtml(d.districtCode)}</td><td data-field="disabled">${escapeHtml(state(d))}</td><td>${ctx.can('manage-departments') ? actions(d) : ''}</td>`;
  let departments: Department[] = [];
  try {
    departments = (await ctx.api.request<{ items: Department[] }>('GET', `api/v1/departments?unit=${encodeURIComponent(unit)}`)).items;
  } catch (error) {
    showError(table, error);
    return;
  }
  table.innerHTML = `<table class="list departments"><thead><tr><th scope="col">${ctx.t('编码', 'Code')}</th><th scope="col">${ctx.t('名称', 'Name')}</th>
      <th scope="col">${ctx.t('所属区', 'District')}</th><th scope="col">${ctx.t('状态', 'State')}</th><th scope="col"></th></tr></thead>
    <tbody>${departments.map((d) => `<tr data-id="${escapeHtml(d.code)}">${draw(d)}</tr>`).join('')}</tbody></table>
    ${departments.length === 0 ? `<p class="list-empty">${ctx.t('没有记录', 'Nothing here')}</p>` : ''}`;
  table.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    const department = departments.find((d) => d.code === row?.dataset.id);
    if (!button || !row || !department) {
      return;
    }
    const patch = async (body: Record<string, unknown>) => {
      const changed = await ctx.api.request<Department>('PATCH', `api/v1/departments/${encodeURIComponent(department.code)}`, { opId: newOpId('department'), ...body });
      Object.assign(department, changed);
      row.innerHTML = draw(department);
    };
    const action = button.dataset.action;
    if (action === 'change') {
      await formDialog(ctx, ctx.t(`部门 ${department.code} 改名`, `Rename ${department.code}`),
        `<label>${ctx.t('名称', 'Name')}<input name="name" value="${escapeHtml(department.name)}" /></label>`, 'change', ctx.t('保存', 'Save'),
        async (v) => patch({ name: v.name ?? '' }));
      return;
    }
    const question = action === 'disable' ? ctx.t(`停用部门 ${department.name}？停用后不再接收新事件。`, `Disable ${department.name}? It takes no new cases.`)
      : ctx.t(`启用部门 ${department.name}？`, `Enable ${department.name}?`);
    if (await confirmAction(ctx, question, false) === null) {
      return;
    }
    try {
      await patch({ disabled: action === 'disable' });
    } catch (error) {
      showError(table, error);
    }
  });
}

export const departmentsPage: ConsolePage = {
  path: 'departments',
  title: { zh: '职能部门', en: 'Departments' },
  permissions: ['manage-departments'],
  mount,
};
