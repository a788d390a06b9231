import './registries.css';
import { ApiError } from '../../api';
import { escapeHtml } from '../../dom';
import { formatTime } from '../../i18n';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { saveFile } from '../forms';
import { filterBar, pagedTable } from '../lists';
import { fieldLabel, fieldLabels, fieldText, linkedRecords, registries, registryNames, registryOf, sourceNames, type Registry } from './registry-model';

// 综合查询 (#/registry?q=&unit=&registry=): one search across the six registries, paged by the server's cursor, masked
// as the API gives it; a record (#/registry/<registry>/<id>) with every field's provenance (一数一源) and its linked
// records; exports of a registry within a unit (GET /api/v1/registry/{registry}/export), downloaded as a file.

interface SearchHit { registry: string; id: string; title: string; unitCode: string; snippet: string }

interface Provenance { source: string; collectedBy: string; collectedAt: string }

interface RegistryRecord {
  registry: string; id: string; unitCode: string; version: number; source: string; collectedBy: string; collectedAt: string;
  removedAt: string | null; fields: Record<string, unknown>; provenance: Record<string, Provenance>;
}

function registryName(ctx: ConsoleContext, registry: string): string {
  const known = registryOf(registry);
  return known ? ctx.t(...registryNames[known]) : registry;
}

function sourceName(ctx: ConsoleContext, source: string): string {
  const name = sourceNames[source];
  return name ? `${ctx.t(...name)} (${source})` : source;
}

function recordLink(registry: string, id: string): string {
  return `#/registry/${encodeURIComponent(registry)}/${encodeURIComponent(id)}`;
}

async function searchPage(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const q = route.query.get('q') ?? '';
  const unit = route.query.get('unit') ?? '';
  const registry = route.query.get('registry') ?? '';
  host.innerHTML = `<div class="case-head"><h2>${ctx.t('综合查询', 'Registry search')}</h2>
    <a class="button" href="#/registry/changes" data-action="changes">${ctx.t('变更记录', 'Changes')}</a></div>`;
  const filters = filterBar(ctx, route, [
    { name: 'q', label: ctx.t('姓名、地址、单位、场所、部件编码或证件号码', 'Name, address, organisation, place, component code or ID number'), type: 'search' },
    { name: 'registry', label: ctx.t('信息库', 'Registry'), options: [['', ctx.t('全部', 'All')], ...registries.map((r): [string, string] => [r, ctx.t(...registryNames[r])])] },
    { name: 'unit', label: ctx.t('单位编码（默认本单位）', 'Unit code (default: yours)') },
  ]);
  filters.classList.add('registry-search');
  filters.querySelector<HTMLButtonElement>('[data-action=filter]')!.dataset.action = 'search';
  filters.querySelector<HTMLButtonElement>('[data-action=search]')!.textContent = ctx.t('查询', 'Search');
  host.append(filters);
  const input = filters.querySelector<HTMLInputElement>('[name=q]')!;
  input.minLength = 2;
  input.required = true;
  input.focus();

  host.append(exportBar(ctx, registryOf(registry) ?? 'address', unit));

  const results = document.createElement('section');
  results.className = 'registry-results';
  host.append(results);
  if (q.trim().length < 2) {
    results.innerHTML = `<p class="hint">${ctx.t('输入至少两个字符查询六类基础信息。', 'Type at least two characters to search the six registries.')}</p>`;
    return;
  }
  await pagedTable<SearchHit>(results, ctx, {
    path: 'api/v1/registry/search',
    query: { q: q.trim(), unit: unit || null, registry: registry || null },
    pageSize: 20,
    id: (hit) => hit.id,
    columns: [
      { title: ctx.t('类别', 'Kind'), cell: (hit) => `<span class="badge" data-registry="${escapeHtml(hit.registry)}">${escapeHtml(registryName(ctx, hit.registry))}</span>` },
      { title: ctx.t('名称', 'Title'), cell: (hit) => `<a href="${recordLink(hit.registry, hit.id)}" class="hit-title">${escapeHtml(hit.title)}</a>` },
      { title: ctx.t('摘要', 'Detail'), cell: (hit) => escapeHtml(hit.snippet ?? '') },
      { title: ctx.t('网格', 'Grid'), cell: (hit) => `<span data-unit="${escapeHtml(hit.unitCode)}">${escapeHtml(hit.unitCode)}</span>` },
    ],
    open: (hit) => ctx.navigate(`registry/${hit.registry}/${hit.id}`),
  });
  nameUnits(results, ctx);
}

/** Replaces each `[data-unit]` code's text with the unit's name (cached by the shell). */
function nameUnits(root: HTMLElement, ctx: ConsoleContext): void {
  root.querySelectorAll<HTMLElement>('[data-unit]').forEach((el) => {
    void ctx.unitName(el.dataset.unit!).then((name) => { if (name !== el.dataset.unit) { el.textContent = name; el.title = el.dataset.unit!; } });
  });
}

function exportBar(ctx: ConsoleContext, registry: Registry, unit: string): HTMLFormElement {
  const form = document.createElement('form');
  form.className = 'filters registry-export';
  form.innerHTML = `
    <label>${ctx.t('导出信息库', 'Export registry')}<select name="registry">${registries.map((r) => `<option value="${r}"${r === registry ? ' selected' : ''}>${escapeHtml(ctx.t(...registryNames[r]))}</option>`).join('')}</select></label>
    <label>${ctx.t('单位编码', 'Unit code')}<input name="unit" value="${escapeHtml(unit || ctx.me.unitCode)}" /></label>
    <label>${ctx.t('格式', 'Format')}<select name="format"><option value="csv">CSV</option><option value="xlsx">Excel (.xlsx)</option></select></label>
    <button type="submit" data-action="export">${ctx.t('导出', 'Export')}</button>
    <span class="export-state" role="status"></span>`;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = new FormData(form);
    const chosen = String(values.get('registry'));
    const format = String(values.get('format'));
    const scope = String(values.get('unit') ?? '').trim() || ctx.me.unitCode;
    const state = form.querySelector<HTMLElement>('.export-state')!;
    const button = form.querySelector<HTMLButtonElement>('[data-action=export]')!;
    button.disabled = true;
    state.className = 'export-state';
    state.textContent = ctx.t('正在导出…', 'Exporting…');
    try {
      const { blob, fileName } = await ctx.api.download(`api/v1/registry/${chosen}/export?unit=${encodeURIComponent(scope)}&format=${format}`);
      saveFile(blob, fileName ?? `${chosen}-${scope}.${format}`);
      state.textContent = ctx.t('已导出', 'Exported');
    } catch (error) {
      state.className = 'export-state error';
      state.textContent = error instanceof ApiError ? (error.problem.detail ?? error.problem.title ?? String(error.status)) : String(error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

async function recordPage(host: HTMLElement, ctx: ConsoleContext, slug: string, id: string): Promise<void> {
  const zh = ctx.language === 'zh';
  let record: RegistryRecord;
  try {
    record = await ctx.api.request<RegistryRecord>('GET', `api/v1/registry/${encodeURIComponent(slug)}/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      host.innerHTML = `<p class="error" role="alert">${ctx.t('没有这条记录，或它不在您的范围内。', 'No such record, or it is outside your scope.')}</p>
        <p><a href="#/registry">${ctx.t('返回综合查询', 'Back to the search')}</a></p>`;
      return;
    }
    throw error;
  }
  const registry = registryOf(record.registry) ?? 'address';
  const known = fieldLabels[registry].map(([name]) => name);
  const fields = [...known, ...Object.keys(record.fields).filter((f) => !known.includes(f))];
  const linked = new Map(linkedRecords(record.fields).map((l) => [l.field, l]));
  const provenanceCell = (field: string) => {
    const p = record.provenance[field];
    return p
      ? `<td class="prov" data-source="${escapeHtml(p.source)}">${escapeHtml(sourceName(ctx, p.source))}</td><td>${escapeHtml(p.collectedBy)}</td><td>${escapeHtml(formatTime(p.collectedAt, ctx.language))}</td>`
      : `<td class="prov inherited" data-source="${escapeHtml(record.source)}" title="${ctx.t('随整条记录的最近写入', 'as the record\'s last write')}">${escapeHtml(sourceName(ctx, record.source))}</td><td>${escapeHtml(record.collectedBy)}</td><td>${escapeHtml(formatTime(record.collectedAt, ctx.language))}</td>`;
  };
  const valueCell = (field: string) => {
    const link = linked.get(field);
    const value = field === 'unitCode' ? record.fields.unitCode ?? record.unitCode : record.fields[field];
    if (link) {
      return `<a href="#/${link.route.split('/').map(encodeURIComponent).join('/')}" data-link="${escapeHtml(field)}">${escapeHtml(link.id)}</a>`;
    }
    if (field === 'unitCode' && typeof value === 'string') {
      return `<span data-unit="${escapeHtml(value)}">${escapeHtml(value)}</span>`;
    }
    return escapeHtml(fieldText(value, zh));
  };
  host.innerHTML = `
    <p class="crumbs"><a href="#/registry">${ctx.t('综合查询', 'Registry search')}</a> › ${escapeHtml(registryName(ctx, record.registry))}</p>
    <h2 data-id="${escapeHtml(record.id)}">${escapeHtml(registryName(ctx, record.registry))} · ${escapeHtml(record.id)}</h2>
    <div class="card record-head">
      <span>${ctx.t('版本', 'Version')} <strong data-field="version">${record.version}</strong></span>
      <span>${ctx.t('最近写入', 'Last write')}: <span data-field="source">${escapeHtml(sourceName(ctx, record.source))}</span> · ${escapeHtml(record.collectedBy)} · ${escapeHtml(formatTime(record.collectedAt, ctx.language))}</span>
      ${record.removedAt ? `<span class="badge overdue" data-field="removedAt">${ctx.t('已注销', 'Ended')} ${escapeHtml(formatTime(record.removedAt, ctx.language))}</span>` : ''}
    </div>
    <table class="list record-fields">
      <thead><tr><th scope="col">${ctx.t('字段', 'Field')}</th><th scope="col">${ctx.t('值', 'Value')}</th><th scope="col">${ctx.t('来源（一数一源）', 'Source (one datum, one source)')}</th><th scope="col">${ctx.t('采集人', 'Collected by')}</th><th scope="col">${ctx.t('采集时间', 'Collected at')}</th></tr></thead>
      <tbody>${fields.map((f) => `<tr data-field="${escapeHtml(f)}"><th scope="row">${escapeHtml(fieldLabel(registry, f, zh))}</th><td class="value">${valueCell(f)}</td>${provenanceCell(f)}</tr>`).join('')}</tbody>
    </table>
    ${linked.size > 0 ? `<h3>${ctx.t('关联记录', 'Linked records')}</h3><ul class="linked">${[...linked.values()].map((l) => `<li><a href="#/${l.route.split('/').map(encodeURIComponent).join('/')}" data-linked="${escapeHtml(l.field)}">${escapeHtml(fieldLabel(registry, l.field, zh))}: ${escapeHtml(l.id)}</a></li>`).join('')}</ul>` : ''}`;
  nameUnits(host, ctx);
}

interface ChangeRow {
  position: number; registry: string; id: string; unitCode: string; action: string; version: number; changedFields: string[];
  source: string; collectedBy: string; at: string;
}

/** 变更记录: the registries' change feed within the unit (GET /api/v1/registry-changes), oldest first, by the server's position. */
async function changesPage(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const registry = route.query.get('registry') || null;
  const unit = route.query.get('unit') || null;
  host.innerHTML = `<p><a href="#/registry">${ctx.t('← 综合查询', '← Registry search')}</a></p><h2>${ctx.t('基础信息变更记录', 'Registry changes')}</h2>`;
  host.append(filterBar(ctx, route, [
    { name: 'registry', label: ctx.t('信息库', 'Registry'), options: [['', ctx.t('全部', 'All')], ...registries.map((r): [string, string] => [r, ctx.t(...registryNames[r])])] },
    { name: 'unit', label: ctx.t('单位编码（默认本单位）', 'Unit code (default: yours)') },
  ]));
  const table = document.createElement('div');
  table.className = 'registry-changes';
  host.append(table);
  const actions: Record<string, [string, string]> = { create: ['新增', 'Created'], update: ['修改', 'Updated'], remove: ['注销', 'Removed'] };
  await pagedTable<ChangeRow>(table, ctx, {
    path: 'api/v1/registry-changes',
    query: { registry, unit },
    id: (c) => String(c.position),
    open: (c) => ctx.navigate(`registry/${c.registry}/${c.id}`),
    columns: [
      { title: ctx.t('序号', 'Position'), cell: (c) => String(c.position) },
      { title: ctx.t('信息库', 'Registry'), cell: (c) => escapeHtml(registryName(ctx, c.registry)) },
      { title: ctx.t('记录', 'Record'), cell: (c) => `<a href="${recordLink(c.registry, c.id)}">${escapeHtml(c.id)}</a> v${c.version}` },
      { title: ctx.t('操作', 'Action'), cell: (c) => escapeHtml(ctx.t(...(actions[c.action] ?? [c.action, c.action]))) },
      { title: ctx.t('变更字段', 'Fields'), cell: (c) => escapeHtml(c.changedFields.map((f) => { const r = registryOf(c.registry); return r ? fieldLabel(r, f, ctx.language === 'zh') : f; }).join('、')) },
      { title: ctx.t('来源', 'Source'), cell: (c) => escapeHtml(sourceName(ctx, c.source)) },
      { title: ctx.t('采集人', 'Collected by'), cell: (c) => escapeHtml(c.collectedBy) },
      { title: ctx.t('时间', 'At'), cell: (c) => escapeHtml(formatTime(c.at, ctx.language)) },
    ],
  });
}

export const registryPage: ConsolePage = {
  path: 'registry',
  title: { zh: '综合查询', en: 'Registries' },
  permissions: ['read-registries'],
  async mount(host, ctx, route) {
    if (route.rest.length === 1 && route.rest[0] === 'changes') {
      await changesPage(host, ctx, route);
    } else if (route.rest.length >= 2) {
      await recordPage(host, ctx, route.rest[0], route.rest.slice(1).join('/'));
    } else {
      await searchPage(host, ctx, route);
    }
  },
};
