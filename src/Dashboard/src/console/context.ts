import type { ApiClient } from '../api';
import type { Language } from '../i18n';
import type { Session } from '../session';

// What every console page is given, and what a page is. A page is a module under pages/ that exports a ConsolePage;
// pages.ts lists them. The server decides every call: `can` only hides what the caller's role would be refused.

/** The signed-in caller as GET /api/v1/auth/me says (permissions in kebab case: `handle-incidents`…). */
export interface Me {
  username: string;
  role: string;
  unitCode: string;
  permissions: string[];
}

/** Where a page was opened: `#/cases/510104-…?stage=dispatched` → page 'cases', rest ['510104-…'], query stage=dispatched. */
export interface Route {
  page: string;
  rest: string[];
  query: URLSearchParams;
}

export interface ConsoleContext {
  api: ApiClient;
  session: Session;
  me: Me;
  language: Language;
  /** The text in the console's language: zh-CN first, English second. */
  t(zh: string, en: string): string;
  /** Whether the caller's role holds the function (`handle-incidents`); any of several. */
  can(...permissions: string[]): boolean;
  /** Opens a console route (`cases/510104-…`, with an optional query). */
  navigate(path: string, query?: Record<string, string | null | undefined>): void;
  /** The unit's name (cached; the code itself when it is outside the caller's scope or unknown). */
  unitName(code: string): Promise<string>;
}

/** A page of the console: its route's first segment, its title in the nav, who sees it, and how it draws itself. */
export interface ConsolePage {
  path: string;
  title: { zh: string; en: string };
  /** Shown in the nav when the caller holds any of these (none: everyone signed in). */
  permissions?: string[];
  /**
   * Draws the page into host. Called again on every route change within the page (a list's filters, a record's id).
   * May return a cleanup (timers, hub subscriptions) run before the next mount.
   */
  mount(host: HTMLElement, ctx: ConsoleContext, route: Route): void | (() => void) | Promise<void | (() => void)>;
}
