import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import './people.css';

// 刑满释放人员衔接 and 帮教 (docs/supervision.md): the release notices of the caller's communities (GET /api/v1/release-notices)
// with their deadlines, entering one (POST), the receiving community's confirmation (POST …/{id}/confirm); opening a
// notice shows the person's 帮教: needs and helper (PUT /api/v1/key-persons/{id}/aftercare), support tasks with deadlines
// (POST …/aftercare/tasks) and their outcomes (POST /api/v1/aftercare-tasks/{id}/outcome).

interface ReleaseNotice {
  id: string; personId: string; communityCode: string; releasedAt: string; note: string; notifiedBy: string; notifiedAt: string;
  confirmBy: string; state: 'notified' | 'confirmed'; confirmedBy: string | null; confirmedAt: string | null; firstVisitBy: string | null; firstVisitAt: string | null;
}

interface AftercareTask { id: string; title: string; dueAt: string; outcome: string | null; doneBy: string | null; doneAt: string | null }

interface AftercarePlan { personId: string; needs: string[]; helper: string; note: string; tasks: AftercareTask[] }

const needs: [string, string, string][] = [
  ['housing', '住房', 'Housing'], ['employment', '就业', 'Employment'], ['family', '家庭', 'Family'],
  ['income', '生活来源', 'Income'], ['health', '健康', 'Health'], ['other', '其他', 'Other'],
];

function when(value: string | null): string {
  return value ? escapeHtml(new Date(value).toLocaleString()) : '—';
}

/** Where the notice stands: awaiting receipt (overdue once past confirmBy), awaiting the first visit, visited. */
function stage(ctx: ConsoleContext, n: ReleaseNotice): string {
  const now = Date.now();
  if (n.state === 'notified') {
    return Date.parse(n.confirmBy) < now ? ctx.t('接收确认超期', 'Receipt overdue') : ctx.t('待确认接收', 'Awaiting receipt');
  }
  if (!n.firstVisitAt) {
    return n.firstVisitBy && Date.parse(n.firstVisitBy) < now ? ctx.t('首次走访超期', 'First visit overdue') : ctx.t('待首次走访', 'Awaiting first visit');
  }
  return ctx.t('已首访', 'Visited');
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  if (route.rest[0]) {
    return mountNotice(host, ctx, route.rest[0]);
  }
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  host.innerHTML = `<h2>${ctx.t('刑满释放人员衔接', 'Release hand-over')}</h2>`;
  if (ctx.can('notify-releases')) {
    const form = document.createElement('form');
    form.className = 'release-notify';
    form.innerHTML = `
      <label>${ctx.t('重点人员编号', 'Key person id')}<input name="personId" /></label>
      <label>${ctx.t('或身份证号', 'or ID number')}<input name="idNumber" autocomplete="off" /></label>
      <label>${ctx.t('接收社区代码', 'Receiving community')}<input name="communityCode" /></label>
      <label>${ctx.t('释放时间', 'Released at')}<input name="releasedAt" type="datetime-local" /></label>
      <label>${ctx.t('备注', 'Note')}<input name="note" /></label>
      <button type="submit" data-action="notify">${ctx.t('登记释放通知', 'Enter notice')}</button>`;
    host.append(form);
    let opId = newOpId('release');
    form.addEventListener('input', () => { opId = newOpId('release'); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = formValues(form);
      try {
        const notice = await ctx.api.request<ReleaseNotice>('POST', 'api/v1/release-notices', {
          opId, personId: v.personId ?? null, idNumber: v.idNumber ?? null, communityCode: v.communityCode,
          releasedAt: v.releasedAt ? new Date(v.releasedAt).toISOString() : null, note: v.note ?? null,
        });
        ctx.navigate(`releases/${notice.id}`);
      } catch (error) {
        showProblem(form, error, ctx);
      }
    });
  }

  const all: [string, string] = ['', ctx.t('全部', 'All')];
  host.append(filterBar(ctx, route, [
    { name: 'unit', label: ctx.t('单位代码', 'Unit code'), type: 'search' },
    { name: 'state', label: ctx.t('状态', 'State'), options: [all, ['notified', ctx.t('待确认接收', 'Notified')], ['confirmed', ctx.t('已确认接收', 'Confirmed')]] },
  ]));
  const table = document.createElement('div');
  host.append(table);
  await pagedTable<ReleaseNotice>(table, ctx, {
    path: 'api/v1/release-notices',
    query: { unit, state: route.query.get('state') },
    id: (n) => n.id,
    open: (n) => ctx.navigate(`releases/${n.id}`),
    columns: [
      { title: ctx.t('人员', 'Person'), cell: (n) => `<code>${escapeHtml(n.personId)}</code>` },
      { title: ctx.t('接收社区', 'Community'), cell: (n) => escapeHtml(n.communityCode) },
      { title: ctx.t('释放时间', 'Released'), cell: (n) => when(n.releasedAt) },
      { title: ctx.t('确认期限', 'Confirm by'), cell: (n) => when(n.confirmBy) },
      { title: ctx.t('首访期限', 'First visit by'), cell: (n) => when(n.firstVisitBy) },
      { title: ctx.t('进度', 'Stage'), cell: (n) => `<span data-field="stage">${escapeHtml(stage(ctx, n))}</span>` },
      {
        title: '', cell: (n) => (n.state === 'notified' && ctx.can('handle-releases')
          ? `<button type="button" data-action="confirm">${ctx.t('确认接收', 'Confirm receipt')}</button>` : ''),
      },
    ],
  });
  table.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('tbody [data-action=confirm]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    if (await confirmAction(ctx, ctx.t('确认已接收该人员？首次走访将出现在网格员手机上。', 'Confirm receipt? The first visit goes to the grid worker\'s phone.'), false) === null) {
      return;
    }
    try {
      const confirmed = await ctx.api.request<ReleaseNotice>('POST', `api/v1/release-notices/${encodeURIComponent(row.dataset.id!)}/confirm`);
      row.querySelector('[data-field=stage]')!.textContent = stage(ctx, confirmed);
      button.remove();
    } catch (error) {
      const message = document.createElement('p');
      message.className = 'error';
      message.setAttribute('role', 'alert');
      message.textContent = error instanceof Error ? error.message : String(error);
      table.prepend(message);
    }
  });
}

async function mountNotice(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  host.innerHTML = `<p><a href="#/releases">${ctx.t('返回列表', 'Back to the list')}</a></p>`;
  let notice: ReleaseNotice;
  try {
    notice = await ctx.api.request<ReleaseNotice>('GET', `api/v1/release-notices/${encodeURIComponent(id)}`);
  } catch (error) {
    host.insertAdjacentHTML('beforeend', `<p class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`);
    return;
  }
  host.insertAdjacentHTML('beforeend', `<h2>${ctx.t('释放通知', 'Release notice')} <code>${escapeHtml(notice.id)}</code></h2>
    <dl class="record" data-id="${escapeHtml(notice.id)}">
      <dt>${ctx.t('人员', 'Person')}</dt><dd><a href="#/key-persons/${encodeURIComponent(notice.personId)}">${escapeHtml(notice.personId)}</a></dd>
      <dt>${ctx.t('接收社区', 'Community')}</dt><dd>${escapeHtml(notice.communityCode)}</dd>
      <dt>${ctx.t('进度', 'Stage')}</dt><dd data-field="stage">${escapeHtml(stage(ctx, notice))}</dd>
      <dt>${ctx.t('确认期限', 'Confirm by')}</dt><dd>${when(notice.confirmBy)}</dd>
      <dt>${ctx.t('确认人', 'Confirmed by')}</dt><dd>${escapeHtml(notice.confirmedBy ?? '—')} ${when(notice.confirmedAt)}</dd>
      <dt>${ctx.t('首访期限', 'First visit by')}</dt><dd>${when(notice.firstVisitBy)}</dd>
      <dt>${ctx.t('首访时间', 'First visit')}</dt><dd>${when(notice.firstVisitAt)}</dd>
    </dl>
    <section class="aftercare"><h3>${ctx.t('帮教', 'Aftercare')}</h3></section>`);
  const section = host.querySelector<HTMLElement>('.aftercare')!;
  let plan: AftercarePlan;
  try {
    plan = await ctx.api.request<AftercarePlan>('GET', `api/v1/key-persons/${encodeURIComponent(notice.personId)}/aftercare`);
  } catch (error) {
    section.insertAdjacentHTML('beforeend', `<p class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`);
    return;
  }
  const person = encodeURIComponent(notice.personId);
  section.insertAdjacentHTML('beforeend', `
    <form class="aftercare-plan">
      <fieldset data-field="needs"><legend>${ctx.t('需求', 'Needs')}</legend>
        ${needs.map(([n, zh, en]) => `<label><input type="checkbox" name="need" value="${n}"${plan.needs.includes(n) ? ' checked' : ''} />${escapeHtml(ctx.t(zh, en))}</label>`).join('')}
      </fieldset>
      <label>${ctx.t('帮教责任人', 'Helper')}<input name="helper" value="${escapeHtml(plan.helper)}" /></label>
      <label>${ctx.t('情况说明', 'Note')}<input name="note" value="${escapeHtml(plan.note)}" /></label>
      <button type="submit" data-action="save-aftercare">${ctx.t('保存', 'Save')}</button>
    </form>
    <table class="list aftercare-tasks">
      <thead><tr><th>${ctx.t('帮扶任务', 'Task')}</th><th>${ctx.t('期限', 'Due')}</th><th>${ctx.t('结果', 'Outcome')}</th><th></th></tr></thead>
      <tbody>${plan.tasks.map((t) => taskRow(ctx, t)).join('')}</tbody>
    </table>
    <form class="aftercare-task">
      <label>${ctx.t('任务', 'Task')}<input name="title" /></label>
      <label>${ctx.t('期限', 'Due')}<input name="dueAt" type="datetime-local" /></label>
      <button type="submit" data-action="add-task">${ctx.t('添加任务', 'Add task')}</button>
    </form>`);
  const planForm = section.querySelector<HTMLFormElement>('.aftercare-plan')!;
  planForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = [...planForm.querySelectorAll<HTMLInputElement>('[name=need]:checked')].map((c) => c.value);
    const v = formValues(planForm);
    try {
      await ctx.api.request('PUT', `api/v1/key-persons/${person}/aftercare`, { needs: chosen, helper: v.helper ?? '', note: v.note ?? '' });
      planForm.querySelectorAll('.form-error').forEach((el) => el.remove());
      planForm.insertAdjacentHTML('beforeend', `<p class="saved" role="status">${ctx.t('已保存', 'Saved')}</p>`);
    } catch (error) {
      showProblem(planForm, error, ctx);
    }
  });
  const taskForm = section.querySelector<HTMLFormElement>('.aftercare-task')!;
  let opId = newOpId('aftercare');
  taskForm.addEventListener('input', () => { opId = newOpId('aftercare'); });
  taskForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(taskForm);
    try {
      const task = await ctx.api.request<AftercareTask>('POST', `api/v1/key-persons/${person}/aftercare/tasks`, {
        opId, title: v.title, dueAt: v.dueAt ? new Date(v.dueAt).toISOString() : null,
      });
      opId = newOpId('aftercare');
      section.querySelector('.aftercare-tasks tbody')!.insertAdjacentHTML('beforeend', taskRow(ctx, task));
      taskForm.reset();
    } catch (error) {
      showProblem(taskForm, error, ctx);
    }
  });
  section.querySelector('.aftercare-tasks')!.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=outcome]');
    const row = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !row) {
      return;
    }
    const outcome = await confirmAction(ctx, ctx.t('记录该任务的结果（填写在备注中）', 'Record the task\'s outcome (in the note)'));
    if (!outcome) {
      return;
    }
    try {
      const done = await ctx.api.request<AftercareTask>('POST', `api/v1/aftercare-tasks/${encodeURIComponent(row.dataset.id!)}/outcome`, { outcome });
      row.outerHTML = taskRow(ctx, done);
    } catch (error) {
      row.insertAdjacentHTML('afterend', `<tr><td colspan="4" class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</td></tr>`);
    }
  });
}

function taskRow(ctx: ConsoleContext, t: AftercareTask): string {
  const late = !t.doneAt && Date.parse(t.dueAt) < Date.now();
  return `<tr data-id="${escapeHtml(t.id)}"><td>${escapeHtml(t.title)}</td><td${late ? ' class="error"' : ''}>${when(t.dueAt)}</td>
    <td data-field="outcome">${t.outcome ? escapeHtml(t.outcome) : '—'}</td>
    <td>${t.doneAt ? '' : `<button type="button" data-action="outcome">${ctx.t('记录结果', 'Record outcome')}</button>`}</td></tr>`;
}

export const releasesPage: ConsolePage = {
  path: 'releases',
  title: { zh: '刑释衔接与帮教', en: 'Releases & aftercare' },
  permissions: ['handle-releases', 'notify-releases'],
  mount,
};
