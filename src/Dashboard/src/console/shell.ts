import { ApiClient, ApiError } from '../api';
import { escapeHtml } from '../dom';
import { saveLanguage, savedLanguage, type Language } from '../i18n';
import type { Session } from '../session';
import type { ConsoleContext, ConsolePage, Me, Route } from './context';
import { changeOwnPassword } from './password';
import { consolePages } from './pages';

// The console's frame (工作台): the nav of the pages the caller's role may use, the signed-in user, the language
// switch, the wall screen's link; and the router — `#/<page>/<rest…>?<query>` — that mounts one page at a time.

const roleNames: Record<string, [string, string]> = {
  admin: ['管理员', 'Administrator'], operator: ['指挥中心值班员', 'Centre operator'], staff: ['社区工作人员', 'Community staff'],
  worker: ['网格员', 'Grid worker'], corrections: ['社区矫正工作人员', 'Corrections officer'], auditor: ['审计员', 'Auditor'],
  department: ['职能部门', 'Department'], hotline: ['12345 话务员', '12345 hotline'],
};

export function parseRoute(hash: string): Route {
  const [path, search] = hash.replace(/^#\/?/, '').split('?', 2);
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: segments[0] ?? '', rest: segments.slice(1), query: new URLSearchParams(search ?? '') };
}

export function routeHash(path: string, query?: Record<string, string | null | undefined>): string {
  const pairs = Object.entries(query ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== '') as [string, string][];
  const search = new URLSearchParams(pairs).toString();
  return `#/${path.replace(/^\//, '')}${search ? `?${search}` : ''}`;
}

export class ConsoleShell {
  private cleanup: (() => void) | void = undefined;
  private readonly names = new Map<string, Promise<string>>();
  private language: Language = savedLanguage();

  constructor(private readonly root: HTMLElement, private readonly session: Session, private readonly api: ApiClient, private readonly me: Me, private readonly signOut: () => void) {}

  open(): void {
    window.addEventListener('hashchange', this.onRoute);
    this.draw();
  }

  close(): void {
    window.removeEventListener('hashchange', this.onRoute);
    this.runCleanup();
  }

  private readonly onRoute = () => void this.mount();

  private context(): ConsoleContext {
    const language = this.language;
    const permissions = new Set(this.me.permissions);
    return {
      api: this.api, session: this.session, me: this.me, language,
      t: (zh, en) => (language === 'zh' ? zh : en),
      can: (...wanted) => wanted.some((p) => permissions.has(p)),
      navigate: (path, query) => { location.hash = routeHash(path, query); },
      unitName: (code) => this.unitName(code),
    };
  }

  private visiblePages(ctx: ConsoleContext): ConsolePage[] {
    return consolePages.filter((p) => !p.permissions || ctx.can(...p.permissions));
  }

  private draw(): void {
    const ctx = this.context();
    const [zhRole, enRole] = roleNames[this.me.role] ?? [this.me.role, this.me.role];
    this.root.innerHTML = `
      <header class="console-bar">
        <h1>${ctx.t('网格化服务管理 · 工作台', 'Grid governance · Console')}</h1>
        <nav aria-label="${ctx.t('功能', 'Pages')}">
          ${this.visiblePages(ctx).map((p) => `<a href="${routeHash(p.path)}" data-page="${p.path}">${escapeHtml(ctx.t(p.title.zh, p.title.en))}</a>`).join('')}
          <a href="../" class="wall-link">${ctx.t('监管大屏', 'Wall screen')}</a>
        </nav>
        <span class="who" data-role="${escapeHtml(this.me.role)}">${escapeHtml(this.me.username)} · ${escapeHtml(ctx.t(zhRole, enRole))} · <span class="who-unit" data-unit="${escapeHtml(this.me.unitCode)}"></span></span>
        <button type="button" data-action="language">${ctx.t('English', '中文')}</button>
        <button type="button" data-action="change-password">${ctx.t('修改密码', 'Change password')}</button>
        <button type="button" data-action="sign-out">${ctx.t('退出', 'Sign out')}</button>
      </header>
      <main id="console-page" tabindex="-1"></main>`;
    void this.unitName(this.me.unitCode).then((name) => { this.root.querySelector('.who-unit')!.textContent = name; });
    this.root.querySelector('[data-action=language]')!.addEventListener('click', () => {
      this.language = this.language === 'zh' ? 'en' : 'zh';
      saveLanguage(this.language);
      document.documentElement.lang = this.language === 'zh' ? 'zh-CN' : 'en';
      this.draw();
    });
    this.root.querySelector('[data-action=change-password]')!.addEventListener('click', () => void changeOwnPassword(ctx));
    this.root.querySelector('[data-action=sign-out]')!.addEventListener('click', () => {
      this.close();
      this.signOut();
    });
    void this.mount();
  }

  private runCleanup(): void {
    try {
      if (typeof this.cleanup === 'function') {
        this.cleanup();
      }
    } finally {
      this.cleanup = undefined;
    }
  }

  private async mount(): Promise<void> {
    const ctx = this.context();
    const route = parseRoute(location.hash);
    const pages = this.visiblePages(ctx);
    const page = pages.find((p) => p.path === route.page) ?? pages[0];
    if (!page) {
      return;
    }
    this.root.querySelectorAll<HTMLAnchorElement>('nav a[data-page]').forEach((a) => {
      if (a.dataset.page === page.path) { a.setAttribute('aria-current', 'page'); } else { a.removeAttribute('aria-current'); }
    });
    this.runCleanup();
    // Each mount draws into an element of its own: a slower earlier mount (a page still awaiting its data when the route
    // changed) then writes into a detached element, never over the page now shown.
    const frame = this.root.querySelector<HTMLElement>('#console-page')!;
    const own = document.createElement('div');
    own.className = 'console-page-body';
    frame.replaceChildren(own);
    frame.dataset.page = page.path;
    document.title = `${ctx.t(page.title.zh, page.title.en)} · ${ctx.t('工作台', 'Console')}`;
    try {
      this.cleanup = await page.mount(own, ctx, { ...route, page: page.path });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.close();
        this.signOut();
        return;
      }
      own.innerHTML = `<p class="error" role="alert">${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`;
    }
  }

  private unitName(code: string): Promise<string> {
    let name = this.names.get(code);
    if (!name) {
      name = this.api.unitNames([code]).then((page) => page.items.find((u) => u.code === code)?.name ?? code).catch(() => code);
      this.names.set(code, name);
    }
    return name;
  }
}
