import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { confirmAction, formValues, newOpId, showProblem } from '../forms';
import { pagedTable } from '../lists';
import './cases.css';

// 监管协同 (issue 29, part 2): joint mediation, drills, paper mode, the responsibility list and property companies —
// each a small page over its API (docs/supervision.md). Action controls carry the API's action name, rows the object's id.

interface MediationPart { departmentCode: string; part: string; recordedBy: string | null; recordedAt: string | null; record: string | null }
interface Mediation {
  id: string; unitCode: string; title: string; state: string; outcome: string | null; partsDueAt: string; openedAt: string;
  parts: MediationPart[]; sessions: { n: number; scheduledAt: string; place: string }[];
}

const time = (ctx: ConsoleContext, iso: string | null) => (iso ? escapeHtml(new Date(iso).toLocaleString(ctx.language)) : '—');

async function mediations(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  if (route.rest.length > 0) {
    return mediation(host, ctx, route.rest[0]);
  }
  host.innerHTML = `<h2>${ctx.t('三所联调', 'Joint mediation')}</h2>
    ${ctx.can('mediate') ? `<form class="open-mediation">
      <label>${ctx.t('单位代码（网格/社区/街道）', 'Unit code')}<input name="unitCode" required /></label>
      <label>${ctx.t('纠纷', 'Dispute')}<input name="title" required maxlength="200" /></label>
      <label>${ctx.t('参与部门（代码=分工，每行一个）', 'Departments (code=part, one a line)')}<textarea name="participants" required rows="3" placeholder="510104-GA=治安调解"></textarea></label>
      <button type="submit" data-action="open">${ctx.t('立案', 'Open')}</button></form>` : ''}
    <div class="list-host"></div>`;
  const form = host.querySelector<HTMLFormElement>('.open-mediation');
  form?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const participants = v.participants.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const [department, ...part] = l.split('=');
      return { department: department.trim(), part: part.join('=').trim() };
    });
    try {
      const opened = await ctx.api.request<Mediation>('POST', 'api/v1/mediations', { opId: newOpId('mediation'), unitCode: v.unitCode, title: v.title, participants });
      ctx.navigate(`mediations/${opened.id}`);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
  await pagedTable<Mediation>(host.querySelector<HTMLElement>('.list-host')!, ctx, {
    path: 'api/v1/mediations',
    query: { unit: route.query.get('unit') ?? ctx.me.unitCode },
    id: (m) => m.id,
    open: (m) => ctx.navigate(`mediations/${m.id}`),
    columns: [
      { title: ctx.t('纠纷', 'Dispute'), cell: (m) => escapeHtml(m.title) },
      { title: ctx.t('单位', 'Unit'), cell: (m) => escapeHtml(m.unitCode) },
      { title: ctx.t('状态', 'State'), cell: (m) => escapeHtml(m.state === 'open' ? ctx.t('调解中', 'open') : `${ctx.t('已结', 'closed')} · ${m.outcome === 'agreement' ? ctx.t('调解成功', 'agreement') : ctx.t('移交', 'referred')}`) },
      { title: ctx.t('分工完成', 'Parts recorded'), cell: (m) => `${m.parts.filter((p) => p.recordedAt).length}/${m.parts.length}` },
      { title: ctx.t('分工时限', 'Parts due'), cell: (m) => time(ctx, m.partsDueAt) },
    ],
  });
}

async function mediation(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<void> {
  const m = await ctx.api.request<Mediation>('GET', `api/v1/mediations/${encodeURIComponent(id)}`);
  const open = m.state === 'open';
  host.innerHTML = `<p><a href="#/mediations">${ctx.t('← 调解列表', '← Mediations')}</a></p>
    <h2 data-id="${escapeHtml(m.id)}">${escapeHtml(m.title)} <span class="case-stage">${escapeHtml(open ? ctx.t('调解中', 'open') : ctx.t('已结', 'closed'))}</span></h2>
    <p>${ctx.t('分工时限', 'Parts due')}: ${time(ctx, m.partsDueAt)}</p>
    <table class="list"><thead><tr><th>${ctx.t('部门', 'Department')}</th><th>${ctx.t('分工', 'Part')}</th><th>${ctx.t('记录', 'Record')}</th><th></th></tr></thead><tbody>
    ${m.parts.map((p) => `<tr data-id="${escapeHtml(p.departmentCode)}"><td>${escapeHtml(p.departmentCode)}</td><td>${escapeHtml(p.part)}</td>
      <td>${p.recordedAt ? `${escapeHtml(p.record ?? "")} <small>${escapeHtml(p.recordedBy ?? "")} · ${time(ctx, p.recordedAt)}</small>` : ctx.t('未记录', 'not recorded')}</td>
      <td>${open ? `<button type="button" data-action="record-part">${ctx.t('记录分工', 'Record part')}</button>` : ''}</td></tr>`).join('')}
    </tbody></table>
    <h3>${ctx.t('调解会', 'Sessions')}</h3>
    <ul>${m.sessions.map((s) => `<li data-id="${s.n}">#${s.n} ${time(ctx, s.scheduledAt)} ${escapeHtml(s.place)}</li>`).join('')}</ul>
    ${open && ctx.can('mediate') ? `<form class="session"><label>${ctx.t('时间', 'When')}<input type="datetime-local" name="scheduledAt" required /></label>
      <label>${ctx.t('地点', 'Place')}<input name="place" /></label><button type="submit" data-action="schedule">${ctx.t('安排调解会', 'Schedule')}</button></form>
      <form class="close"><label>${ctx.t('结果', 'Outcome')}<select name="outcome"><option value="agreement">${ctx.t('调解成功', 'Agreement')}</option><option value="referred">${ctx.t('调解不成，移交', 'Failed, referred')}</option></select></label>
      <label>${ctx.t('移交至', 'Referred to')}<input name="referredTo" /></label><button type="submit" data-action="close">${ctx.t('结案', 'Close')}</button></form>` : ''}`;
  const reload = () => mediation(host, ctx, id);
  host.querySelector('tbody')!.addEventListener('click', async (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[data-action=record-part]')?.closest<HTMLElement>('tr[data-id]');
    if (!row) {
      return;
    }
    const record = await confirmAction(ctx, ctx.t(`记录 ${row.dataset.id} 的分工`, `Record the part of ${row.dataset.id}`));
    if (record) {
      await ctx.api.request('POST', `api/v1/mediations/${encodeURIComponent(id)}/parts/${encodeURIComponent(row.dataset.id!)}`, { opId: newOpId('part'), record });
      await reload();
    }
  });
  const session = host.querySelector<HTMLFormElement>('form.session');
  session?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(session);
    try {
      await ctx.api.request('POST', `api/v1/mediations/${encodeURIComponent(id)}/sessions`, { opId: newOpId('session'), scheduledAt: new Date(v.scheduledAt).toISOString(), place: v.place });
      await reload();
    } catch (error) {
      showProblem(session, error, ctx);
    }
  });
  const close = host.querySelector<HTMLFormElement>('form.close');
  close?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(close);
    try {
      await ctx.api.request('POST', `api/v1/mediations/${encodeURIComponent(id)}/close`, { opId: newOpId('close'), outcome: v.outcome, referredTo: v.referredTo || null });
      await reload();
    } catch (error) {
      showProblem(close, error, ctx);   // 409 names the departments whose part is missing
    }
  });
}

interface Drill { id: string; unitCode: string; name: string; state: string; startedAt: string }

async function drills(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  host.innerHTML = `<h2>${ctx.t('演练', 'Drills')}</h2>
    ${ctx.can('run-drills') ? `<form class="start-drill">
      <label>${ctx.t('单位代码', 'Unit code')}<input name="unitCode" required value="${escapeHtml(ctx.me.unitCode)}" /></label>
      <label>${ctx.t('演练名称', 'Name')}<input name="name" required maxlength="200" /></label>
      <label>${ctx.t('脚本事件（类别,网格代码,描述；每行一个）', 'Scripted cases (category,grid,description; one a line)')}<textarea name="cases" rows="3"></textarea></label>
      <button type="submit" data-action="start">${ctx.t('开始演练', 'Start')}</button></form>` : ''}
    <div class="list-host"></div>`;
  const form = host.querySelector<HTMLFormElement>('.start-drill');
  form?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const cases = v.cases.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const [category, gridCode, ...description] = l.split(',');
      return { category: category.trim(), gridCode: gridCode?.trim(), urgency: 'normal', description: description.join(',').trim() || ctx.t('演练事件', 'Drill case') };
    });
    try {
      await ctx.api.request('POST', 'api/v1/drills', { opId: newOpId('drill'), unitCode: v.unitCode, name: v.name, cases });
      ctx.navigate('drills', { t: String(Date.now()) });
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
  const list = host.querySelector<HTMLElement>('.list-host')!;
  await pagedTable<Drill>(list, ctx, {
    path: 'api/v1/drills',
    query: { unit: route.query.get('unit') ?? ctx.me.unitCode },
    id: (d) => d.id,
    columns: [
      { title: ctx.t('演练', 'Drill'), cell: (d) => `<span class="drill-mark">${ctx.t('演练', 'DRILL')}</span> ${escapeHtml(d.name)}` },
      { title: ctx.t('单位', 'Unit'), cell: (d) => escapeHtml(d.unitCode) },
      { title: ctx.t('开始', 'Started'), cell: (d) => time(ctx, d.startedAt) },
      { title: ctx.t('状态', 'State'), cell: (d) => escapeHtml(d.state === 'running' ? ctx.t('进行中', 'running') : ctx.t('已清理', 'cleared')) },
      { title: '', cell: (d) => (d.state === 'running' && ctx.can('run-drills') ? `<button type="button" data-action="clear">${ctx.t('清理', 'Clear')}</button>` : '') },
    ],
  });
  list.addEventListener('click', async (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[data-action=clear]')?.closest<HTMLElement>('tr[data-id]');
    if (!row || await confirmAction(ctx, ctx.t('清理演练：撤销其未结事件？', 'Clear the drill: cancel its open cases?'), false) === null) {
      return;
    }
    await ctx.api.request('POST', `api/v1/drills/${encodeURIComponent(row.dataset.id!)}/clear`, { opId: newOpId('clear') });
    ctx.navigate('drills', { t: String(Date.now()) });
  });
}

async function paper(host: HTMLElement, ctx: ConsoleContext): Promise<void> {
  host.innerHTML = `<h2>${ctx.t('人+纸', 'Paper mode')}</h2>
    <form class="print"><label>${ctx.t('网格代码', 'Grid code')}<input name="grid" required pattern="[0-9]{15}" /></label>
      <label>${ctx.t('表单', 'Form')}<select name="form"><option value="registration">${ctx.t('实有人口登记表', 'Registration form')}</option><option value="summary">${ctx.t('汇总表', 'Summary form')}</option></select></label>
      <button type="submit" data-action="print">${ctx.t('打印', 'Print')}</button></form>
    ${ctx.can('review-collections') ? `<h3>${ctx.t('纸质记录补录', 'Back-entry of a paper record')}</h3>
    <form class="paper">
      <label>${ctx.t('网格代码', 'Grid code')}<input name="gridCode" required /></label>
      <label>${ctx.t('信息库', 'Registry')}<select name="registry">${['population', 'address', 'housing', 'organisation', 'place', 'component'].map((r) => `<option>${r}</option>`).join('')}</select></label>
      <label>${ctx.t('操作', 'Action')}<select name="action"><option>create</option><option>update</option><option>end</option></select></label>
      <label>${ctx.t('记录编号（变更/注销）', 'Record id (update/end)')}<input name="id" /></label>
      <label>${ctx.t('内容（JSON）', 'Data (JSON)')}<textarea name="data" required rows="4">{}</textarea></label>
      <label>${ctx.t('纸上日期', 'Date on the paper')}<input type="date" name="collectedAt" required /></label>
      <label>${ctx.t('网格员编号', 'Worker id')}<input name="workerId" /></label>
      <label>${ctx.t('表单编号', 'Form number')}<input name="paperForm" required /></label>
      <button type="submit" data-action="enter-paper">${ctx.t('补录', 'Enter')}</button></form><p class="entered"></p>` : ''}`;
  const print = host.querySelector<HTMLFormElement>('form.print')!;
  print.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(print);
    try {
      const { blob } = await ctx.api.download(`api/v1/paper-forms/${encodeURIComponent(v.grid)}?form=${v.form}`);
      const url = URL.createObjectURL(blob);
      window.open(url, '_blank')?.addEventListener('load', (ev) => (ev.target as Window).print());
    } catch (error) {
      showProblem(print, error, ctx);
    }
  });
  const entry = host.querySelector<HTMLFormElement>('form.paper');
  entry?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(entry);
    try {
      const done = await ctx.api.request<{ id: string }>('POST', 'api/v1/collections/paper', {
        opId: newOpId('paper'), gridCode: v.gridCode, registry: v.registry, action: v.action, id: v.id || null, data: JSON.parse(v.data),
        collectedAt: new Date(`${v.collectedAt}T12:00:00+08:00`).toISOString(), workerId: v.workerId || null, paperForm: v.paperForm,
      });
      host.querySelector('.entered')!.innerHTML = `${ctx.t('已补录，待审核', 'Entered, pending review')}: <a href="#/collections/${escapeHtml(done.id)}" data-id="${escapeHtml(done.id)}">${escapeHtml(done.id)}</a>`;
    } catch (error) {
      showProblem(entry, error, ctx);
    }
  });
}

interface RankedCompany { rank: number | null; figures: { id: string; name: string; compounds: number; cases: number; open: number; complaints: number; casesPerCompound: number | null; onTimeClosureRate: number | null } }

async function propertyCompanies(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  host.innerHTML = `<h2>${ctx.t('物业监督', 'Property companies')}</h2>
    <form class="unit"><label>${ctx.t('社区或街道代码', 'Community or street')}<input name="unit" value="${escapeHtml(unit)}" /></label><button type="submit" data-action="ranking">${ctx.t('排名', 'Rank')}</button></form>
    <div class="list-host"></div>`;
  const form = host.querySelector<HTMLFormElement>('form.unit')!;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.navigate('property-companies', { unit: formValues(form).unit });
  });
  const rate = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);
  await pagedTable<RankedCompany>(host.querySelector<HTMLElement>('.list-host')!, ctx, {
    path: 'api/v1/property-companies/ranking',
    query: { unit },
    id: (r) => r.figures.id,
    columns: [
      { title: ctx.t('排名', 'Rank'), cell: (r) => (r.rank === null ? '—' : String(r.rank)) },
      { title: ctx.t('物业公司', 'Company'), cell: (r) => escapeHtml(r.figures.name) },
      { title: ctx.t('小区', 'Compounds'), cell: (r) => String(r.figures.compounds) },
      { title: ctx.t('事件', 'Cases'), cell: (r) => String(r.figures.cases) },
      { title: ctx.t('未结', 'Open'), cell: (r) => String(r.figures.open) },
      { title: ctx.t('物业投诉', 'Complaints'), cell: (r) => String(r.figures.complaints) },
      { title: ctx.t('每小区事件', 'Cases per compound'), cell: (r) => (r.figures.casesPerCompound === null ? '—' : String(r.figures.casesPerCompound)) },
      { title: ctx.t('按期结案率', 'On-time closure'), cell: (r) => rate(r.figures.onTimeClosureRate) },
    ],
  });
}

interface ResponsibilityList { districtCode: string; version: number; note: string; publishedAt: string; entries: { category: string; placeCode: string; responsibleCode: string; auto: boolean }[] }

async function responsibilityList(host: HTMLElement, ctx: ConsoleContext): Promise<void> {
  const district = ctx.me.unitCode.length >= 6 ? ctx.me.unitCode.slice(0, 6) : '510104';
  let list: ResponsibilityList | null = null;
  try {
    list = await ctx.api.request<ResponsibilityList>('GET', `api/v1/responsibility-list/${district}`);
  } catch {
    list = null;   // none published yet
  }
  const lines = (list?.entries ?? []).map((e) => `${e.category},${e.placeCode},${e.responsibleCode}${e.auto ? ',auto' : ''}`).join('\n');
  host.innerHTML = `<h2>${ctx.t('权责清单', 'Responsibility list')} ${escapeHtml(district)} ${list ? `v${list.version}` : ''}</h2>
    <table class="list"><thead><tr><th>${ctx.t('类别', 'Category')}</th><th>${ctx.t('地点', 'Place')}</th><th>${ctx.t('责任部门', 'Responsible')}</th><th>${ctx.t('自动派遣', 'Auto')}</th></tr></thead>
    <tbody>${(list?.entries ?? []).map((e) => `<tr data-id="${escapeHtml(`${e.category}@${e.placeCode}`)}"><td>${escapeHtml(e.category)}</td><td>${escapeHtml(e.placeCode)}</td><td>${escapeHtml(e.responsibleCode)}</td><td>${e.auto ? '✓' : ''}</td></tr>`).join('')}</tbody></table>
    ${ctx.can('manage-responsibility-list') ? `<form class="publish"><label>${ctx.t('清单（类别,地点代码,责任部门[,auto]；每行一条）', 'Entries (category,place,responsible[,auto]; one a line)')}<textarea name="entries" rows="8">${escapeHtml(lines)}</textarea></label>
      <label>${ctx.t('说明', 'Note')}<input name="note" /></label><button type="submit" data-action="publish">${ctx.t('发布新版本', 'Publish a new version')}</button></form>` : ''}`;
  const form = host.querySelector<HTMLFormElement>('form.publish');
  form?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const entries = v.entries.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const [category, placeCode, responsibleCode, auto] = l.split(',').map((x) => x.trim());
      return { category, placeCode, responsibleCode, auto: auto === 'auto' };
    });
    try {
      await ctx.api.request('PUT', `api/v1/responsibility-list/${district}`, { opId: newOpId('list'), note: v.note, entries });
      await responsibilityList(host, ctx);
    } catch (error) {
      showProblem(form, error, ctx);
    }
  });
}

export const mediationsPage: ConsolePage = { path: 'mediations', title: { zh: '三所联调', en: 'Mediation' }, permissions: ['mediate', 'record-mediation-parts'], mount: mediations };
export const drillsPage: ConsolePage = { path: 'drills', title: { zh: '演练', en: 'Drills' }, permissions: ['run-drills', 'read-cases'], mount: drills };
export const paperPage: ConsolePage = { path: 'paper', title: { zh: '人+纸', en: 'Paper mode' }, permissions: ['read-registries'], mount: (h, c) => paper(h, c) };
export const propertyCompaniesPage: ConsolePage = { path: 'property-companies', title: { zh: '物业监督', en: 'Property companies' }, permissions: ['view-units'], mount: propertyCompanies };
export const responsibilityPage: ConsolePage = { path: 'responsibility-list', title: { zh: '权责清单', en: 'Responsibility list' }, permissions: ['read-cases'], mount: (h, c) => responsibilityList(h, c) };
