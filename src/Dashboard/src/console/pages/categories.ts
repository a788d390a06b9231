import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { formValues, newOpId, showProblem } from '../forms';
import './admin.css';

// 事件类别与时限: the city's case categories with each stage's deadline per urgency (GET /api/v1/incident-categories);
// a city administrator creates one (POST) and changes one's name and deadlines (PUT, the whole set). The deadlines are
// ISO 8601 durations (PT2H, P3D); the server's 400 names the field (`code`, `name`, `deadlines` with the stage).
// Changes apply to new cases and to running ones from their next stage (docs/administration.md). There is no approval
// step: a change takes effect when saved, and is in the change log (#/audit/changes).

interface CategoryItem { code: string; name: string; deadlines: Record<string, Record<string, string>> }

export const deadlineStages: [string, string, string][] = [
  ['reported', '受理', 'Accept'], ['accepted', '派遣', 'Dispatch'], ['dispatched', '开始处置', 'Start'],
  ['resolve', '处置完成', 'Resolve'], ['handled', '核查', 'Verify'],
];
const urgencies: [string, string, string][] = [['normal', '一般', 'Normal'], ['urgent', '紧急', 'Urgent']];

function deadlineInputs(ctx: ConsoleContext, category: CategoryItem | null, disabled: boolean): string {
  return `<fieldset data-field="deadlines"><legend>${ctx.t('各阶段时限（ISO 8601，如 PT4H、P2D）', 'Stage deadlines (ISO 8601, e.g. PT4H, P2D)')}</legend>
    <div class="deadlines"><span></span>${deadlineStages.map(([, zh, en]) => `<strong>${escapeHtml(ctx.t(zh, en))}</strong>`).join('')}
    ${urgencies.map(([u, zh, en]) => `<strong>${escapeHtml(ctx.t(zh, en))}</strong>${deadlineStages.map(([s]) =>
      `<input name="deadlines.${u}.${s}" aria-label="${u} ${s}" value="${escapeHtml(category?.deadlines[u]?.[s] ?? '')}" ${disabled ? 'disabled' : ''} />`).join('')}`).join('')}
    </div></fieldset>`;
}

function readDeadlines(values: Record<string, string>): Record<string, Record<string, string>> {
  return Object.fromEntries(urgencies.map(([u]) => [u, Object.fromEntries(deadlineStages.map(([s]) => [s, values[`deadlines.${u}.${s}`] ?? '']))]));
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  // Categories are the city's: only an administrator of the city itself (a 4-digit unit) may change them (403 otherwise).
  const mayChange = ctx.can('manage-city-settings') && ctx.me.unitCode.length === 4;
  const page = await ctx.api.request<{ items: CategoryItem[] }>('GET', 'api/v1/incident-categories');
  const editing = route.rest[0] ? page.items.find((c) => c.code === route.rest[0]) ?? null : null;
  host.innerHTML = `<h2>${ctx.t('事件类别与时限', 'Case categories and deadlines')}</h2>
    ${mayChange ? '' : `<p class="note">${ctx.t('类别由市级管理员维护，此处只读。', 'Categories are kept by the city administrators; read-only here.')}</p>`}
    <form class="admin-form category-form" data-mode="${editing ? 'change' : 'create'}">
      <h3>${editing ? ctx.t(`修改类别 ${editing.code}`, `Change ${editing.code}`) : ctx.t('新建类别', 'New category')}</h3>
      <label>${ctx.t('编码', 'Code')}<input name="code" autocomplete="off" value="${escapeHtml(editing?.code ?? '')}" ${editing || !mayChange ? 'disabled' : ''} /></label>
      <label>${ctx.t('名称', 'Name')}<input name="name" value="${escapeHtml(editing?.name ?? '')}" ${mayChange ? '' : 'disabled'} /></label>
      ${deadlineInputs(ctx, editing, !mayChange)}
      ${mayChange ? `<button type="submit" data-action="${editing ? 'change' : 'create'}">${editing ? ctx.t('保存', 'Save') : ctx.t('创建', 'Create')}</button>` : ''}
      ${editing ? `<a href="#/categories">${ctx.t('新建另一个', 'New instead')}</a>` : ''}
      <p class="saved" role="status" hidden></p>
    </form>
    <table class="list categories"><thead><tr><th scope="col">${ctx.t('编码', 'Code')}</th><th scope="col">${ctx.t('名称', 'Name')}</th>
      ${urgencies.map(([, zh, en]) => `<th scope="col">${escapeHtml(ctx.t(`${zh}时限`, `${en} deadlines`))}</th>`).join('')}</tr></thead>
    <tbody>${page.items.map((c) => `<tr data-id="${escapeHtml(c.code)}" tabindex="0" class="openable"><td><code>${escapeHtml(c.code)}</code></td><td>${escapeHtml(c.name)}</td>
      ${urgencies.map(([u]) => `<td data-field="deadlines.${u}">${deadlineStages.map(([s]) => escapeHtml(c.deadlines[u]?.[s] ?? '—')).join(' · ')}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const saved = route.query.get('saved');
  if (saved) {
    const note = host.querySelector<HTMLElement>('.saved')!;
    note.hidden = false;
    note.textContent = ctx.t(`已保存 ${saved}`, `Saved ${saved}`);
  }
  const open = (target: EventTarget | null) => {
    const row = (target as HTMLElement).closest<HTMLElement>('tr[data-id]');
    if (row) {
      ctx.navigate(`categories/${row.dataset.id}`);
    }
  };
  const body = host.querySelector('tbody')!;
  body.addEventListener('click', (e) => open(e.target));
  body.addEventListener('keydown', (e) => { if (e.key === 'Enter') { open(e.target); } });

  const form = host.querySelector<HTMLFormElement>('.category-form')!;
  let opId = newOpId('category');
  form.addEventListener('input', () => { opId = newOpId('category'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const body = { opId, name: v.name ?? '', deadlines: readDeadlines(v) };
      const stored = editing
        ? await ctx.api.request<CategoryItem>('PUT', `api/v1/incident-categories/${encodeURIComponent(editing.code)}`, body)
        : await ctx.api.request<CategoryItem>('POST', 'api/v1/incident-categories', { ...body, code: v.code ?? '' });
      opId = newOpId('category');
      ctx.navigate(`categories/${stored.code}`, { saved: stored.code });
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

export const categoriesPage: ConsolePage = {
  path: 'categories',
  title: { zh: '事件类别', en: 'Categories' },
  permissions: ['manage-city-settings'],
  mount,
};
