import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { pagedTable } from '../lists';
import './people.css';

// 社区矫正 (docs/supervision.md): the corrections officers of a unit with their caseloads against the norm
// (GET /api/v1/corrections/officers), the caller's own alerts first (GET /api/v1/alerts?assignee=me), and per person
// (#/corrections/<person id>) the responsible officer (GET/PUT /api/v1/key-persons/{id}/officer) and travel leaves (外出请假:
// GET/POST /api/v1/key-persons/{id}/travel-leaves, POST /api/v1/travel-leaves/{id}/approve|refuse|return).

interface OfficerItem { username: string; displayName: string; unitCode: string; caseload: number; norm: number; overNorm: boolean }

interface CaseloadPage { items: OfficerItem[]; next: string | null; norm: number; unassigned: number }

interface AlertItem { id: string; title: string; state: string; severity: string; subject: { kind: string; id: string }; raisedAt: string; responsibleUnitCode: string }

interface TravelLeave {
  id: string; personId: string; areaCode: string; reason: string; leaveFrom: string; returnBy: string; state: 'requested' | 'approved' | 'refused' | 'returned';
  answeredBy: string | null; returnedAt: string | null;
}

function when(value: string | null): string {
  return value ? escapeHtml(new Date(value).toLocaleString()) : '—';
}

function leaveState(ctx: ConsoleContext, l: TravelLeave): string {
  if (l.state === 'approved' && Date.parse(l.returnBy) < Date.now()) {
    return ctx.t('超期未归', 'Overdue');
  }
  return { requested: ctx.t('待审批', 'Requested'), approved: ctx.t('已批准', 'Approved'), refused: ctx.t('不予批准', 'Refused'), returned: ctx.t('已返回', 'Returned') }[l.state];
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  if (route.rest[0]) {
    return mountPerson(host, ctx, route.rest[0]);
  }
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  host.innerHTML = `<h2>${ctx.t('社区矫正', 'Corrections')}</h2>
    <form class="open-person">
      <label>${ctx.t('重点人员编号', 'Key person id')}<input name="personId" /></label>
      <button type="submit" data-action="open">${ctx.t('打开（责任干部、外出请假）', 'Open (officer, travel leave)')}</button>
    </form>`;
  const open = host.querySelector<HTMLFormElement>('.open-person')!;
  open.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = formValues(open).personId;
    if (id) {
      ctx.navigate(`corrections/${id}`);
    }
  });

  if (ctx.can('view-caseloads')) {
    const section = document.createElement('section');
    section.className = 'caseloads';
    host.append(section);
    try {
      const page = await ctx.api.request<CaseloadPage>('GET', `api/v1/corrections/officers?unit=${encodeURIComponent(unit)}`);
      section.innerHTML = `<h3>${ctx.t('矫正干部工作量', 'Officers\' caseloads')} · ${escapeHtml(unit)}</h3>
        <p>${ctx.t('标准', 'Norm')}: <span data-field="norm">${page.norm}</span> · ${ctx.t('未指定责任干部的人员', 'Persons without an officer')}: <span data-field="unassigned">${page.unassigned}</span></p>
        <table class="list"><thead><tr><th>${ctx.t('干部', 'Officer')}</th><th>${ctx.t('单位', 'Unit')}</th><th>${ctx.t('负责人数', 'Caseload')}</th></tr></thead>
        <tbody>${page.items.map((o) => `<tr data-id="${escapeHtml(o.username)}"${o.overNorm ? ' class="over-norm"' : ''}>
          <td>${escapeHtml(o.displayName)} <code>${escapeHtml(o.username)}</code></td><td>${escapeHtml(o.unitCode)}</td>
          <td data-field="caseload">${o.caseload}${o.overNorm ? ` <strong class="error">${ctx.t('超标', 'over the norm')}</strong>` : ''}</td></tr>`).join('')}</tbody></table>`;
    } catch (error) {
      section.innerHTML = `<p class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`;
    }
  }

  const mine = document.createElement('section');
  mine.innerHTML = `<h3>${ctx.t('我负责人员的告警', 'Alerts of my persons')}</h3><div></div>`;
  host.append(mine);
  await pagedTable<AlertItem>(mine.querySelector('div')!, ctx, {
    path: 'api/v1/alerts',
    query: { unit: ctx.me.unitCode, assignee: 'me' },
    id: (a) => a.id,
    columns: [
      { title: ctx.t('告警', 'Alert'), cell: (a) => escapeHtml(a.title) },
      { title: ctx.t('人员', 'Person'), cell: (a) => `<a href="#/corrections/${encodeURIComponent(a.subject.id)}">${escapeHtml(a.subject.id)}</a>` },
      { title: ctx.t('状态', 'State'), cell: (a) => escapeHtml(a.state) },
      { title: ctx.t('当前责任单位', 'Responsible now'), cell: (a) => escapeHtml(a.responsibleUnitCode) },
      { title: ctx.t('时间', 'Raised'), cell: (a) => when(a.raisedAt) },
    ],
  });
}

async function mountPerson(host: HTMLElement, ctx: ConsoleContext, personId: string): Promise<void> {
  const person = encodeURIComponent(personId);
  host.innerHTML = `<p><a href="#/corrections">${ctx.t('返回', 'Back')}</a></p>
    <h2>${ctx.t('重点人员', 'Key person')} <code>${escapeHtml(personId)}</code></h2>
    <section class="officer"><h3>${ctx.t('责任矫正干部', 'Responsible officer')}</h3></section>
    <section class="travel"><h3>${ctx.t('外出请假', 'Travel leave')}</h3></section>`;
  const officer = host.querySelector<HTMLElement>('.officer')!;
  try {
    const current = await ctx.api.request<{ officer: string | null; assignedBy: string | null; assignedAt: string | null }>('GET', `api/v1/key-persons/${person}/officer`);
    officer.insertAdjacentHTML('beforeend', `<p data-field="officer">${current.officer ? escapeHtml(current.officer) : ctx.t('未指定', 'None named')}</p>`);
  } catch (error) {
    officer.insertAdjacentHTML('beforeend', `<p class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`);
    return;
  }
  if (ctx.can('assign-officers')) {
    officer.insertAdjacentHTML('beforeend', `<form class="assign-officer">
      <label>${ctx.t('干部用户名', 'Officer username')}<input name="officer" /></label>
      <button type="submit" data-action="assign-officer">${ctx.t('指定', 'Assign')}</button></form>`);
    const form = officer.querySelector<HTMLFormElement>('.assign-officer')!;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const assigned = await ctx.api.request<{ officer: string }>('PUT', `api/v1/key-persons/${person}/officer`, { officer: formValues(form).officer ?? '' });
        officer.querySelector('[data-field=officer]')!.textContent = assigned.officer;
        form.querySelectorAll('.form-error, .field-error').forEach((el) => el.remove());
      } catch (error) {
        showProblem(form, error, ctx);
      }
    });
  }

  const travel = host.querySelector<HTMLElement>('.travel')!;
  if (ctx.can('request-travel-leave')) {
    travel.insertAdjacentHTML('beforeend', `<form class="request-leave">
      <label>${ctx.t('允许前往的区域（区、街道或社区代码）', 'Area allowed (district, street or community code)')}<input name="areaCode" /></label>
      <label>${ctx.t('事由', 'Reason')}<input name="reason" /></label>
      <label>${ctx.t('离开时间', 'Leave from')}<input name="leaveFrom" type="datetime-local" /></label>
      <label>${ctx.t('返回期限', 'Return by')}<input name="returnBy" type="datetime-local" /></label>
      <button type="submit" data-action="request-leave">${ctx.t('提交请假', 'Request')}</button></form>`);
    const form = travel.querySelector<HTMLFormElement>('.request-leave')!;
    let opId = newOpId('leave');
    form.addEventListener('input', () => { opId = newOpId('leave'); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = formValues(form);
      try {
        await ctx.api.request('POST', `api/v1/key-persons/${person}/travel-leaves`, {
          opId, areaCode: v.areaCode, reason: v.reason ?? null,
          leaveFrom: v.leaveFrom ? new Date(v.leaveFrom).toISOString() : null, returnBy: v.returnBy ? new Date(v.returnBy).toISOString() : null,
        });
        ctx.navigate(`corrections/${personId}`, { t: String(Date.now()) });
      } catch (error) {
        showProblem(form, error, ctx);
      }
    });
  }
  let leaves: TravelLeave[] = [];
  try {
    leaves = await ctx.api.request<TravelLeave[]>('GET', `api/v1/key-persons/${person}/travel-leaves`);
  } catch (error) {
    travel.insertAdjacentHTML('beforeend', `<p class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`);
    return;
  }
  const actions = (l: TravelLeave) => [
    l.state === 'requested' && ctx.can('approve-travel-leave') ? `<button type="button" data-action="approve">${ctx.t('批准', 'Approve')}</button>` : '',
    l.state === 'requested' && ctx.can('approve-travel-leave') ? `<button type="button" data-action="refuse">${ctx.t('不予批准', 'Refuse')}</button>` : '',
    l.state === 'approved' && ctx.can('request-travel-leave') ? `<button type="button" data-action="return">${ctx.t('登记返回', 'Record return')}</button>` : '',
  ].join(' ');
  const row = (l: TravelLeave) => `<tr data-id="${escapeHtml(l.id)}"><td>${escapeHtml(l.areaCode)}</td><td>${escapeHtml(l.reason)}</td>
    <td>${when(l.leaveFrom)}</td><td>${when(l.returnBy)}</td><td data-field="state">${escapeHtml(leaveState(ctx, l))}</td><td>${actions(l)}</td></tr>`;
  travel.insertAdjacentHTML('beforeend', `<table class="list leaves"><thead><tr><th>${ctx.t('区域', 'Area')}</th><th>${ctx.t('事由', 'Reason')}</th>
    <th>${ctx.t('离开', 'From')}</th><th>${ctx.t('返回期限', 'Return by')}</th><th>${ctx.t('状态', 'State')}</th><th></th></tr></thead>
    <tbody>${leaves.map(row).join('')}</tbody></table>${leaves.length === 0 ? `<p class="list-empty">${ctx.t('没有记录', 'Nothing here')}</p>` : ''}`);
  travel.querySelector('.leaves')!.addEventListener('click', async (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-action=approve], [data-action=refuse], [data-action=return]');
    const tr = button?.closest<HTMLElement>('tr[data-id]');
    if (!button || !tr) {
      return;
    }
    const action = button.dataset.action!;
    const note = action === 'return' ? '' : await confirmAction(ctx, action === 'approve' ? ctx.t('批准该请假？', 'Approve this leave?') : ctx.t('不予批准？', 'Refuse this leave?'));
    if (note === null) {
      return;
    }
    try {
      const changed = await ctx.api.request<TravelLeave>('POST', `api/v1/travel-leaves/${encodeURIComponent(tr.dataset.id!)}/${action}`, action === 'return' ? undefined : { note: note || null });
      tr.outerHTML = row(changed);
    } catch (error) {
      tr.insertAdjacentHTML('afterend', `<tr><td colspan="6" class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</td></tr>`);
    }
  });
}

export const correctionsPage: ConsolePage = {
  path: 'corrections',
  title: { zh: '社区矫正与外出请假', en: 'Corrections & travel leave' },
  permissions: ['view-caseloads', 'assign-officers', 'request-travel-leave'],
  mount,
};
