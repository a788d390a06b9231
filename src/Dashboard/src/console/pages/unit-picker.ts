import { escapeHtml } from '../../dom';
import { pathOf } from '../../names';
import type { ConsoleContext } from '../context';

// A unit picked by name, level by level (区 › 街道 › 社区 › 网格): one select per level, each listing the children of the one
// above by name (GET /api/v1/units/{code}); the code chosen — the deepest level picked — is the value of a hidden input named
// as the form wants it, so a filter bar or a form sends a code while the operator only ever reads names.

export interface UnitPickerOptions {
  /** The form field (`unit`, `unitScope`, `gridCode`). */
  name: string;
  /** The top of the choice: the caller's unit, or the unit a choice must stay within. */
  root: string;
  /** The unit picked at first (within root); root when null. */
  selected: string | null;
  /** The first option's words for "this level, none below": 全部 in a filter, 本级 in a form. */
  whole: [string, string];
}

/** Draws the picker; resolves once the selects down to the selected unit are filled. */
export async function unitPicker(ctx: ConsoleContext, options: UnitPickerOptions): Promise<HTMLElement> {
  const wrap = document.createElement('span');
  wrap.className = 'unit-picker';
  wrap.dataset.field = options.name;
  const hidden = document.createElement('input');
  hidden.type = 'hidden';
  hidden.name = options.name;
  const selected = options.selected && options.selected.startsWith(options.root) ? options.selected : options.root;
  hidden.value = selected;
  const rootName = document.createElement('span');
  rootName.className = 'unit-root';
  rootName.textContent = await ctx.unitName(options.root);
  wrap.append(rootName, hidden);

  // The selects after `depth` go when a level above changes.
  const level = async (parent: string, depth: number, chosen: string | undefined) => {
    let children: { code: string; name: string }[];
    try {
      children = (await ctx.api.unit(parent)).children;
    } catch {
      return;
    }
    if (children.length === 0) {
      return;
    }
    const select = document.createElement('select');
    select.dataset.depth = String(depth);
    select.setAttribute('aria-label', ctx.t('下级单位', 'Unit below'));
    select.innerHTML = `<option value="">${escapeHtml(ctx.t(...options.whole))}</option>`
      + children.map((c) => `<option value="${escapeHtml(c.code)}"${c.code === chosen ? ' selected' : ''}>${escapeHtml(c.name)}</option>`).join('');
    select.addEventListener('change', () => {
      wrap.querySelectorAll<HTMLSelectElement>('select').forEach((s) => { if (Number(s.dataset.depth) > depth) { s.remove(); } });
      hidden.value = select.value || parent;
      hidden.dispatchEvent(new Event('input', { bubbles: true }));
      if (select.value) {
        void level(select.value, depth + 1, undefined);
      }
    });
    wrap.append(select);
  };

  const chain = pathOf(selected).filter((code) => code.length > options.root.length);
  let parent = options.root;
  for (let depth = 0; ; depth++) {
    await level(parent, depth, chain[depth]);
    if (!chain[depth]) {
      break;
    }
    parent = chain[depth];
  }
  return wrap;
}
