import { escapeHtml } from '../../dom';
import type { ConsoleContext, ConsolePage, Route } from '../context';
import { filterBar, pagedTable } from '../lists';
import './people.css';

// 审计: who read which person's data, when and why, denied attempts included; and the administrative changes.

interface AuditEntry { id: number; at: string; actor: string; role: string; action: string; subject: string; unmasked: boolean; purpose: string | null; purposeLabel: string | null; detail: string | null }
interface ChangeEntry { ref: string; at: string; actor: string; actorRole: string | null; entityKind: string; entityKey: string; unitCode: string; action: string; old: unknown; new: unknown }

/** Whether an audit row records a denied attempt (its detail names no fields disclosed). */
export function isDenied(entry: Pick<AuditEntry, 'detail'>): boolean {
  return (entry.detail ?? '').includes('none (denied)');
}

/** A datetime-local value as an ISO instant for the API (empty stays null). */
export function instant(value: string | null): string | null {
  return value ? new Date(value).toISOString() : null;
}

async function mount(host: HTMLElement, ctx: ConsoleContext, route: Route): Promise<void> {
  const changes = route.rest[0] === 'changes';
  host.innerHTML = `<h2>${ctx.t('审计', 'Audit')}</h2>
    <nav class="tabs"><a href="#/audit"${changes ? '' : ' aria-current="page"'}>${ctx.t('个人信息查阅', 'Personal-data reads')}</a> ·
    <a href="#/audit/changes"${changes ? ' aria-current="page"' : ''}>${ctx.t('管理变更', 'Administrative changes')}</a></nav>`;
  const table = document.createElement('div');
  if (changes) {
    host.append(filterBar(ctx, route, [
      { name: 'actor', label: ctx.t('操作人', 'Actor'), type: 'search' },
      { name: 'from', label: ctx.t('自', 'From'), type: 'datetime-local' },
      { name: 'to', label: ctx.t('至', 'To'), type: 'datetime-local' },
    ]), table);
    await pagedTable<ChangeEntry>(table, ctx, {
      path: 'api/v1/audit/changes',
      query: { unit: route.query.get('unit') ?? ctx.me.unitCode, actor: route.query.get('actor'), from: instant(route.query.get('from')), to: instant(route.query.get('to')) },
      id: (c) => c.ref,
      columns: [
        { title: ctx.t('时间', 'At'), cell: (c) => escapeHtml(new Date(c.at).toLocaleString(ctx.language)) },
        { title: ctx.t('操作人', 'Actor'), cell: (c) => escapeHtml(c.actor) },
        { title: ctx.t('对象', 'Subject'), cell: (c) => `${escapeHtml(c.entityKind)} ${escapeHtml(c.entityKey)}` },
        { title: ctx.t('动作', 'Action'), cell: (c) => escapeHtml(c.action) },
        { title: ctx.t('变更', 'Change'), cell: (c) => `<code>${escapeHtml(JSON.stringify(c.old ?? null))} → ${escapeHtml(JSON.stringify(c.new))}</code>` },
      ],
    });
    return;
  }
  const unit = route.query.get('unit') ?? ctx.me.unitCode;
  const purposes = await ctx.api.request<{ items: { code: string; label: string }[] }>('GET', 'api/v1/audit/purposes').catch(() => ({ items: [] }));
  host.append(filterBar(ctx, route, [
    { name: 'actor', label: ctx.t('查阅人', 'Actor'), type: 'search' },
    { name: 'subject', label: ctx.t('人员编号', 'Person'), type: 'search' },
    { name: 'purpose', label: ctx.t('目的', 'Purpose'), options: [['', ctx.t('全部', 'All')], ...purposes.items.map((p): [string, string] => [p.code, p.label])] },
    { name: 'from', label: ctx.t('自', 'From'), type: 'datetime-local' },
    { name: 'to', label: ctx.t('至', 'To'), type: 'datetime-local' },
  ]), table);
  await pagedTable<AuditEntry>(table, ctx, {
    path: 'api/v1/audit',
    query: { unit, actor: route.query.get('actor'), subject: route.query.get('subject'), purpose: route.query.get('purpose') || null, from: instant(route.query.get('from')), to: instant(route.query.get('to')) },
    id: (e) => String(e.id),
    columns: [
      { title: ctx.t('时间', 'At'), cell: (e) => escapeHtml(new Date(e.at).toLocaleString(ctx.language)) },
      { title: ctx.t('查阅人', 'Actor'), cell: (e) => `${escapeHtml(e.actor)} <small>${escapeHtml(e.role)}</small>` },
      { title: ctx.t('人员', 'Person'), cell: (e) => escapeHtml(e.subject) },
      { title: ctx.t('操作', 'Action'), cell: (e) => escapeHtml(e.action) },
      { title: ctx.t('目的', 'Purpose'), cell: (e) => (e.purpose ? `<span data-purpose="${escapeHtml(e.purpose)}">${escapeHtml(e.purposeLabel ?? e.purpose)}</span>` : '—') },
      { title: ctx.t('结果', 'Result'), cell: (e) => (isDenied(e) ? `<span class="audit-denied">${ctx.t('拒绝', 'denied')}</span>` : e.unmasked ? ctx.t('明文', 'in clear') : ctx.t('脱敏', 'masked')) },
      { title: ctx.t('字段', 'Detail'), cell: (e) => escapeHtml(e.detail ?? '') },
    ],
  });
}

export const auditPage: ConsolePage = {
  path: 'audit',
  title: { zh: '审计', en: 'Audit' },
  permissions: ['read-audit'],
  mount,
};
