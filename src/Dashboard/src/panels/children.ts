import { byId, escapeHtml, onClickOf } from '../dom';
import { formatNumber, type Strings } from '../i18n';
import type { Panel, ScreenView } from './view';

/** The units below, listed beside the map: their names and what needs attention, each a way down the tree. */
export class ChildrenList implements Panel {
  private list!: HTMLElement;

  constructor(private readonly select: (code: string) => void) {}

  html(t: Strings): string {
    return `<h2 class="children-title" data-text="children">${t.children}</h2><ul id="children"></ul>`;
  }

  mount(root: HTMLElement): void {
    this.list = byId(root, 'children');
    onClickOf<HTMLButtonElement>(this.list, 'button.child', (button) => this.select(button.dataset.code!));
  }

  render({ language, figures }: ScreenView): void {
    this.list.innerHTML = figures.unit.children.map((c) => {
      const attention = figures.attention(c);
      return `<li><button class="child ${attention > 0 ? 'attention' : ''}" data-code="${c.code}">
        <span class="name">${escapeHtml(c.name)}</span><span class="count">${formatNumber(attention, language)}</span></button></li>`;
    }).join('');
  }
}
