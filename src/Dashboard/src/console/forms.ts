import { ApiError } from '../api';
import { escapeHtml } from '../dom';
import type { ConsoleContext } from './context';

// The console's forms: every action sends an opId (a retry of the same press is the same operation), shows the
// server's problem — a validation problem's messages at the fields they name — and changes nothing on the page
// until the server has said yes.

/** A fresh operation id for one user action (kept across retries of that action by the caller). */
export function newOpId(prefix = 'console'): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Clears the form's earlier problems. */
export function clearProblems(form: HTMLElement): void {
  form.querySelectorAll('.field-error, .form-error').forEach((el) => el.remove());
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

/**
 * Shows a failed call in the form: each field the problem names gets its messages beside it
 * (`<small class="field-error" data-error-for="name">`), the rest — and the title — at the form's top.
 * Field names match controls by `name` or `data-field` (case-insensitive; `parameters.radius` also matches `radius`).
 */
export function showProblem(form: HTMLElement, error: unknown, ctx: Pick<ConsoleContext, 't'>): void {
  clearProblems(form);
  const problem = error instanceof ApiError ? error.problem : { title: String(error) };
  const unplaced: string[] = [];
  for (const [field, messages] of Object.entries(problem.errors ?? {})) {
    const control = findField(form, field);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const note = document.createElement('small');
      note.className = 'field-error';
      note.dataset.errorFor = field;
      note.textContent = messages.join('; ');
      control.insertAdjacentElement('afterend', note);
    } else {
      unplaced.push(`${field}: ${messages.join('; ')}`);
    }
  }
  const banner = document.createElement('p');
  banner.className = 'form-error';
  banner.setAttribute('role', 'alert');
  const status = error instanceof ApiError ? error.status : 0;
  const title = status === 403 ? ctx.t('无权执行此操作', 'You may not do this') : (problem.title ?? ctx.t('操作失败', 'Failed'));
  banner.innerHTML = [title, problem.detail, ...unplaced].filter(Boolean).map((line) => escapeHtml(String(line))).join('<br>');
  form.prepend(banner);
}

function findField(form: HTMLElement, field: string): HTMLElement | null {
  const names = [field, field.split('.').pop()!, field.replace(/^\$\./, '')].map((n) => n.toLowerCase());
  for (const control of form.querySelectorAll<HTMLElement>('[name], [data-field]')) {
    const name = (control.getAttribute('name') ?? control.dataset.field ?? '').toLowerCase();
    if (names.includes(name)) {
      return control;
    }
  }
  return null;
}

/** The form's named controls as an object of strings (empty ones left out). */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    if (typeof value === 'string' && value.trim() !== '') {
      values[key] = value.trim();
    }
  });
  return values;
}

/**
 * Asks before an action (a modal <dialog> with an optional note); resolves with the note, or null when cancelled.
 * Keyboard: Enter confirms, Escape cancels.
 */
export function confirmAction(ctx: Pick<ConsoleContext, 't'>, question: string, withNote = true): Promise<string | null> {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'confirm';
    dialog.innerHTML = `
      <form method="dialog">
        <p>${escapeHtml(question)}</p>
        ${withNote ? `<label>${ctx.t('备注', 'Note')}<textarea name="note" rows="3"></textarea></label>` : ''}
        <menu>
          <button value="cancel" type="button" data-action="cancel">${ctx.t('取消', 'Cancel')}</button>
          <button value="ok" data-action="confirm" autofocus>${ctx.t('确定', 'Confirm')}</button>
        </menu>
      </form>`;
    document.body.append(dialog);
    const finish = (value: string | null) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    dialog.querySelector('[data-action=cancel]')!.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', () => finish(null));
    dialog.querySelector('form')!.addEventListener('submit', (e) => {
      e.preventDefault();
      finish((dialog.querySelector<HTMLTextAreaElement>('[name=note]')?.value ?? '').trim());
    });
    dialog.showModal();
  });
}

/** Saves a downloaded file under its name. */
export function saveFile(blob: Blob, fileName: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
