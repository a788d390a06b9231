import type { Page } from '../api';
import { query } from '../api';
import { escapeHtml } from '../dom';
import type { ConsoleContext, Route } from './context';

// Lists in the console are paged and filtered on the server: the filters live in the route's query (a filtered list
// is a link), each page of rows comes from the API's `{items, next}` with `after=next`, and every row carries
// `data-id` (the object's id) and opens with a click or Enter.

export interface Column<T> {
  title: string;
  /** The cell's HTML: escape every value that came from the server (escapeHtml). */
  cell(item: T): string;
}

export interface ListOptions<T> {
  /** The API path without its query (`api/v1/incidents`). */
  path: string;
  /** The filters sent to the server; null leaves one out. */
  query: Record<string, string | number | null>;
  columns: Column<T>[];
  id(item: T): string;
  open?(item: T): void;
  /** Called after each page's rows are in the table (to fill in names the rows only carry as codes). */
  loaded?(items: T[]): void;
  pageSize?: number;
}

/** A drawn list: rows a live source learns of (a hub event) are put in without reloading it. */
export interface PagedTable<T> {
  /** Redraws the item's row when it is listed; otherwise adds it at the top when `prepend`, else leaves it out. */
  upsert(item: T, prepend: boolean): void;
}

/** Draws a table into host and loads its first page; "more" loads the next (the server's cursor). */
export async function pagedTable<T>(host: HTMLElement, ctx: ConsoleContext, options: ListOptions<T>): Promise<PagedTable<T>> {
  host.innerHTML = `
    <table class="list">
      <thead><tr>${options.columns.map((c) => `<th scope="col">${escapeHtml(c.title)}</th>`).join('')}</tr></thead>
      <tbody></tbody>
    </table>
    <p class="list-empty" hidden>${ctx.t('没有记录', 'Nothing here')}</p>
    <p class="list-error error" role="alert" hidden></p>
    <button type="button" class="list-more" data-action="more" hidden>${ctx.t('加载更多', 'More')}</button>`;
  const body = host.querySelector('tbody')!;
  const more = host.querySelector<HTMLButtonElement>('.list-more')!;
  const byId = new Map<string, T>();
  let next: string | null = null;

  const rowOf = (item: T): HTMLTableRowElement => {
    const id = options.id(item);
    byId.set(id, item);
    const row = document.createElement('tr');
    row.dataset.id = id;
    if (options.open) {
      row.tabIndex = 0;
      row.className = 'openable';
    }
    row.innerHTML = options.columns.map((c) => `<td>${c.cell(item)}</td>`).join('');
    return row;
  };

  const load = async () => {
    more.disabled = true;
    try {
      const page = await ctx.api.request<Page<T>>('GET', options.path + query({ ...options.query, limit: options.pageSize ?? 50, after: next }));
      for (const item of page.items) {
        body.append(rowOf(item));
      }
      next = page.next;
      options.loaded?.(page.items);
      more.hidden = !next;
      host.querySelector<HTMLElement>('.list-empty')!.hidden = byId.size > 0;
    } catch (error) {
      const message = host.querySelector<HTMLElement>('.list-error')!;
      message.hidden = false;
      message.textContent = String(error instanceof Error ? error.message : error);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void load());
  if (options.open) {
    const openRow = (target: EventTarget | null) => {
      const row = (target as HTMLElement).closest<HTMLElement>('tr[data-id]');
      const item = row ? byId.get(row.dataset.id!) : undefined;
      if (item) {
        options.open!(item);
      }
    };
    body.addEventListener('click', (e) => {
      if (!(e.target as HTMLElement).closest('button, a, input, select')) {
        openRow(e.target);
      }
    });
    body.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        openRow(e.target);
      }
    });
  }
  await load();
  return {
    upsert(item: T, prepend: boolean): void {
      const id = options.id(item);
      const listed = [...body.rows].find((r) => r.dataset.id === id);
      if (listed) {
        listed.replaceWith(rowOf(item));
      } else if (prepend) {
        body.prepend(rowOf(item));
        host.querySelector<HTMLElement>('.list-empty')!.hidden = true;
      }
    },
  };
}

export interface Filter {
  name: string;
  label: string;
  /** A select's options as [value, label]; the first is usually ['', 全部]. */
  options?: [string, string][];
  type?: 'text' | 'date' | 'datetime-local' | 'search';
}

/**
 * A filter bar whose values live in the route's query: applying it navigates to the same page with the new query,
 * so the server filters and the browser's back button works.
 */
export function filterBar(ctx: ConsoleContext, route: Route, filters: Filter[]): HTMLFormElement {
  const form = document.createElement('form');
  form.className = 'filters';
  form.innerHTML = filters.map((f) => {
    const value = route.query.get(f.name) ?? '';
    const control = f.options
      ? `<select name="${f.name}">${f.options.map(([v, l]) => `<option value="${escapeHtml(v)}"${v === value ? ' selected' : ''}>${escapeHtml(l)}</option>`).join('')}</select>`
      : `<input name="${f.name}" type="${f.type ?? 'text'}" value="${escapeHtml(value)}" />`;
    return `<label>${escapeHtml(f.label)}${control}</label>`;
  }).join('') + `<button type="submit" data-action="filter">${ctx.t('筛选', 'Filter')}</button>`;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const values: Record<string, string> = {};
    new FormData(form).forEach((v, k) => { if (typeof v === 'string' && v !== '') { values[k] = v; } });
    ctx.navigate([route.page, ...route.rest].join('/'), values);
  });
  return form;
}
