import './registries.css';
import { ApiError } from '../../api';
import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { newOpId, showProblem } from '../forms';
import { filterBar, pagedTable } from '../lists';
import { importKinds, jobRunning, jobStates, jobSummary, type ImportJob } from './registry-model';

// 导入 (#/imports): an administrator uploads a file for a kind (POST /api/v1/imports/{kind}, multipart: file, opId,
// optional source), the jobs within a unit (GET /api/v1/imports?unit=), and a job (#/imports/<id>) whose progress is
// polled while it runs, with its per-line errors (line, field, reason) once checked.

const owners = ['civil-affairs', 'public-security', 'housing-authority', 'market-regulator', 'urban-management', 'community'];

function kindName(ctx: ConsoleContext, kind: string): string {
  const found = importKinds.find(([k]) => k === kind);
  return found ? ctx.t(found[1], found[2]) : kind;
}

function stateBadge(ctx: ConsoleContext, state: ImportJob['state']): string {
  return `<span class="badge job-${escapeHtml(state)}" data-state="${escapeHtml(state)}">${escapeHtml(ctx.t(...(jobStates[state] ?? [state, state])))}</span>`;
}

async function listPage(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const cityAdmin = ctx.me.unitCode.length === 4;
  host.innerHTML = `
    <h2>${ctx.t('数据导入', 'Imports')}</h2>
    <form class="console-form card upload" novalidate>
      <div class="row">
        <label>${ctx.t('数据类别', 'Kind')}<select name="kind" required>${importKinds.map(([k, zh, en]) => `<option value="${k}">${escapeHtml(ctx.t(zh, en))} (${k})</option>`).join('')}</select></label>
        <label>${ctx.t('范围（单位编码）', 'Scope (unit code)')}<input name="unit" value="${escapeHtml(route.query.get('unit') ?? ctx.me.unitCode)}" required /></label>
        ${cityAdmin ? `<label>${ctx.t('数据来源（权属部门）', 'Source (owner)')}<select name="source"><option value="">${ctx.t('导入 (import)', 'import')}</option>${owners.map((o) => `<option value="${o}">${o}</option>`).join('')}</select></label>` : ''}
      </div>
      <label>${ctx.t('文件（CSV UTF-8 或 .xlsx）', 'File (CSV UTF-8 or .xlsx)')}<input name="file" type="file" accept=".csv,.xlsx,.geojson,.json,text/csv" required /></label>
      <div class="actions"><button type="submit" data-action="upload">${ctx.t('上传并导入', 'Upload and import')}</button></div>
    </form>
    <h3>${ctx.t('导入任务', 'Import jobs')}</h3>`;
  const form = host.querySelector<HTMLFormElement>('form.upload')!;
  // One opId per chosen file: pressing again after a lost answer is the same job, a new file a new one.
  let opId = newOpId('import');
  form.querySelector<HTMLInputElement>('[name=file]')!.addEventListener('change', () => { opId = newOpId('import'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const kind = String(data.get('kind'));
    const unit = String(data.get('unit') ?? '').trim();
    const file = data.get('file');
    const body = new FormData();
    if (file instanceof File && file.size > 0) {
      body.append('file', file, file.name);
    }
    body.append('opId', opId);
    const source = String(data.get('source') ?? '');
    if (source) {
      body.append('source', source);
    }
    const button = form.querySelector<HTMLButtonElement>('[data-action=upload]')!;
    button.disabled = true;
    try {
      const job = await ctx.api.request<ImportJob>('POST', `api/v1/imports/${encodeURIComponent(kind)}?unit=${encodeURIComponent(unit)}`, body);
      ctx.navigate(`imports/${job.id}`);
    } catch (error) {
      showProblem(form, error, ctx);
    } finally {
      button.disabled = false;
    }
  });
  host.append(filterBar(ctx, route, [{ name: 'unit', label: ctx.t('单位编码（默认本单位）', 'Unit code (default: yours)') }]));
  const list = document.createElement('section');
  host.append(list);
  await pagedTable<ImportJob>(list, ctx, {
    path: 'api/v1/imports',
    query: { unit: route.query.get('unit') || null },
    pageSize: 20,
    id: (j) => j.id,
    columns: [
      { title: ctx.t('提交时间', 'Submitted'), cell: (j) => escapeHtml(formatTime(j.submittedAt, ctx.language)) },
      { title: ctx.t('类别', 'Kind'), cell: (j) => escapeHtml(kindName(ctx, j.kind)) },
      { title: ctx.t('范围', 'Scope'), cell: (j) => escapeHtml(j.unit) },
      { title: ctx.t('文件', 'File'), cell: (j) => escapeHtml(j.fileName ?? '') },
      { title: ctx.t('提交人', 'By'), cell: (j) => escapeHtml(j.submittedBy) },
      { title: ctx.t('状态', 'State'), cell: (j) => stateBadge(ctx, j.state) },
      { title: ctx.t('进度', 'Progress'), cell: (j) => escapeHtml(jobSummary(j, ctx.language === 'zh')) },
    ],
    open: (j) => ctx.navigate(`imports/${j.id}`),
  });
}

function drawJob(host: HTMLElement, ctx: ConsoleContext, job: ImportJob): void {
  const zh = ctx.language === 'zh';
  const c = job.changes;
  host.innerHTML = `
    <p class="crumbs"><a href="#/imports">${ctx.t('数据导入', 'Imports')}</a> › ${escapeHtml(job.id)}</p>
    <h2 data-id="${escapeHtml(job.id)}">${escapeHtml(kindName(ctx, job.kind))} · ${escapeHtml(job.fileName ?? '')} ${stateBadge(ctx, job.state)}</h2>
    <p class="job-progress" role="status" aria-live="polite">${escapeHtml(jobSummary(job, zh))}${jobRunning(job) ? ` <progress></progress>` : ''}</p>
    <dl class="card facts">
      <div><dt>${ctx.t('范围', 'Scope')}</dt><dd>${escapeHtml(job.unit)}</dd></div>
      ${job.source ? `<div><dt>${ctx.t('数据来源', 'Source')}</dt><dd data-field="source">${escapeHtml(job.source)}</dd></div>` : ''}
      <div><dt>${ctx.t('提交人', 'Submitted by')}</dt><dd>${escapeHtml(job.submittedBy)} · ${escapeHtml(formatTime(job.submittedAt, ctx.language))}</dd></div>
      ${job.startedAt ? `<div><dt>${ctx.t('开始', 'Started')}</dt><dd>${escapeHtml(formatTime(job.startedAt, ctx.language))}</dd></div>` : ''}
      ${job.finishedAt ? `<div><dt>${ctx.t('结束', 'Finished')}</dt><dd>${escapeHtml(formatTime(job.finishedAt, ctx.language))}</dd></div>` : ''}
      <div><dt>${ctx.t('已读行数', 'Lines read')}</dt><dd data-count="rowsRead">${job.rowsRead}</dd></div>
      <div><dt>${ctx.t('通过', 'Accepted')}</dt><dd data-count="accepted">${job.accepted}</dd></div>
      <div><dt>${ctx.t('拒绝', 'Refused')}</dt><dd data-count="rejected">${job.rejected}</dd></div>
      ${job.state === 'succeeded' && c ? `
      <div><dt>${ctx.t('新增', 'Added')}</dt><dd data-count="added">${c.added}</dd></div>
      <div><dt>${ctx.t('更新', 'Updated')}</dt><dd data-count="updated">${c.updated}</dd></div>
      <div><dt>${ctx.t('终止', 'Ended')}</dt><dd data-count="ended">${c.ended}</dd></div>
      <div><dt>${ctx.t('未变', 'Unchanged')}</dt><dd data-count="unchanged">${c.unchanged}</dd></div>` : ''}
    </dl>
    ${job.failure ? `<p class="error job-failure" role="alert">${escapeHtml(job.failure)}</p>` : ''}
    ${job.state === 'failed' && job.errors.length > 0 ? `<p class="hint">${ctx.t('全部或全不：有被拒的行，本次未导入任何数据。修改后重新上传。', 'All or nothing: with a refused line nothing was imported. Fix the file and upload it again.')}</p>` : ''}
    ${job.errors.length > 0 ? `
    <h3>${ctx.t('被拒的行', 'Refused lines')}${job.rejected > job.errors.length ? ` (${ctx.t(`前 ${job.errors.length} 行，共 ${job.rejected} 行`, `first ${job.errors.length} of ${job.rejected}`)})` : ''}</h3>
    <table class="list job-errors">
      <thead><tr><th scope="col">${ctx.t('行', 'Line')}</th><th scope="col">${ctx.t('字段', 'Field')}</th><th scope="col">${ctx.t('原因', 'Reason')}</th></tr></thead>
      <tbody>${job.errors.map((e) => `<tr data-id="${e.line}" data-line="${e.line}"><td>${e.line}</td><td>${escapeHtml(e.field ?? '')}</td><td class="reason">${escapeHtml(e.reason)}</td></tr>`).join('')}</tbody>
    </table>` : ''}`;
}

async function jobPage(host: HTMLElement, ctx: ConsoleContext, id: string): Promise<() => void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const load = async (): Promise<void> => {
    try {
      const job = await ctx.api.request<ImportJob>('GET', `api/v1/imports/${encodeURIComponent(id)}`);
      if (stopped) {
        return;
      }
      drawJob(host, ctx, job);
      if (jobRunning(job)) {
        timer = setTimeout(() => void load(), 1000);
      }
    } catch (error) {
      if (stopped) {
        return;
      }
      if (error instanceof ApiError && error.status === 404) {
        host.innerHTML = `<p class="error" role="alert">${ctx.t('没有这个导入任务，或它不在您的范围内。', 'No such import job, or it is outside your scope.')}</p>`;
        return;
      }
      // A passing failure (the gateway restarting): try again shortly, keeping what is shown.
      timer = setTimeout(() => void load(), 3000);
    }
  };
  await load();
  return () => { stopped = true; clearTimeout(timer); };
}

export const importsPage: ConsolePage = {
  path: 'imports',
  title: { zh: '数据导入', en: 'Imports' },
  permissions: ['import-files'],
  async mount(host, ctx, route) {
    if (route.rest.length > 0) {
      return jobPage(host, ctx, route.rest.join('/'));
    }
    await listPage(host, ctx, route);
  },
};
