import type { Strings } from './i18n';

// Small DOM helpers the panels share.

export function byId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  return root.querySelector<T>(`#${id}`)!;
}

/** Calls onClick with the closest element matching selector under a click inside container (one listener for a list). */
export function onClickOf<T extends HTMLElement>(container: HTMLElement, selector: string, onClick: (element: T) => void): void {
  container.addEventListener('click', (e) => {
    const element = (e.target as HTMLElement).closest<T>(selector);
    if (element) {
      onClick(element);
    }
  });
}

/** Relabels every element marked data-text="key" with that key's text in the language. */
export function applyTexts(root: ParentNode, t: Strings): void {
  const strings = t as unknown as Record<string, string>;
  root.querySelectorAll<HTMLElement>('[data-text]').forEach((el) => (el.textContent = strings[el.dataset.text!]));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
