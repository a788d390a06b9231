import { byId, escapeHtml, onClickOf } from '../dom';
import { formatClock, type Language, type Strings } from '../i18n';
import type { LinkState } from '../link';
import { levelOf, pathOf } from '../names';
import type { Panel, ScreenView } from './view';

export interface HeaderActions {
  back(): void;
  /** A unit of the breadcrumb, above the one on screen. */
  go(code: string): void;
  switchLanguage(): void;
  signOut(): void;
}

/** The header: title and unit, where in the tree, back up, the connection indicator, the clock, language and sign-out. */
export class Header implements Panel {
  private root!: HTMLElement;
  private linkState: LinkState = 'disconnected';
  private clock: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly username: string, private readonly ownUnit: string, private readonly language: () => Language, private readonly actions: HeaderActions) {}

  html(t: Strings): string {
    return `
      <header>
        <div class="title"><span data-text="title">${t.title}</span> · <span id="unit-name"></span></div>
        <nav id="breadcrumb"></nav>
        <button id="back" data-text="back">${t.back}</button>
        <div class="spacer"></div>
        <div id="link-state" data-state="disconnected"><span class="dot"></span><span class="text">${t.disconnected}</span></div>
        <div id="clock"></div>
        <button id="language">${t.language}</button>
        <span class="user">${escapeHtml(this.username)}</span>
        <button id="sign-out" data-text="signOut">${t.signOut}</button>
      </header>`;
  }

  mount(root: HTMLElement): void {
    this.root = root;
    byId(root, 'back').addEventListener('click', () => this.actions.back());
    onClickOf<HTMLButtonElement>(byId(root, 'breadcrumb'), 'button.crumb', (button) => this.actions.go(button.dataset.code!));
    byId(root, 'language').addEventListener('click', () => this.actions.switchLanguage());
    byId(root, 'sign-out').addEventListener('click', () => this.actions.signOut());
    const clock = byId(root, 'clock');
    this.clock = setInterval(() => (clock.textContent = formatClock(new Date(), this.language())), 1000);
  }

  /** Stops the clock (the screen is closed). */
  close(): void {
    clearInterval(this.clock);
  }

  render({ t, figures: { unit }, names }: ScreenView): void {
    document.title = `${unit.name} · ${t.title}`;
    byId(this.root, 'unit-name').textContent = unit.name;
    // From the operator's own unit down to the one on screen, by name; each level above it a way back up.
    const trail = pathOf(unit.code).filter((c) => c.length >= this.ownUnit.length);
    byId(this.root, 'breadcrumb').innerHTML = trail.map((c) => c === unit.code
      ? `<span class="crumb current" data-code="${c}" data-level="${levelOf(c) ?? ''}">${escapeHtml(unit.name)}</span>`
      : `<button class="crumb" data-code="${c}" data-level="${levelOf(c) ?? ''}">${escapeHtml(names.label(c, t))}</button>`).join('<span class="sep">›</span>');
  }

  /** Back up is offered below the operator's own unit only. */
  showBack(shown: boolean): void {
    byId(this.root, 'back').toggleAttribute('hidden', !shown);
  }

  /** Red when the link is down, amber while the replay catches up, green once live. */
  showLink(state: LinkState, t: Strings): void {
    this.linkState = state;
    const el = byId(this.root, 'link-state');
    el.dataset.state = state;
    el.querySelector('.text')!.textContent = state === 'live' ? t.connected : state === 'catching-up' ? t.catchingUp : t.disconnected;
  }

  /** After a language switch: the texts not marked data-text. */
  relabel(t: Strings): void {
    byId(this.root, 'language').textContent = t.language;
    this.showLink(this.linkState, t);
  }
}
