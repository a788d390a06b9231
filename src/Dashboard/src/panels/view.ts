import type { Language, Strings } from '../i18n';
import type { SubjectNames, UnitNames } from '../names';
import type { UnitFigures } from '../unit';

/** What every panel draws from: the language and the figures of the unit on screen. */
export interface ScreenView {
  language: Language;
  t: Strings;
  figures: UnitFigures;
  /** Units' names, for every code the panel would otherwise show. */
  names: UnitNames;
  /** Who alerts are about, by name (masked for key persons), for the ids the hub sends. */
  subjects: SubjectNames;
}

/** A panel of the screen: its markup, then (once in the page) its elements and events, then drawn from the view. */
export interface Panel {
  html(t: Strings): string;
  mount(root: HTMLElement): void;
  render(view: ScreenView): void;
}
