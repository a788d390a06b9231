import { escapeHtml } from '../../dom';
import type { ConsoleContext } from '../context';
import { formValues, showProblem } from '../forms';

// The administration pages' shared pieces: a dialog holding a small form whose submit is an API call (the server's
// problems shown at its fields, the dialog kept open until the call succeeds), and a note shown once (a secret).

/**
 * Opens a modal form (`dialog.form-dialog`) with the given controls and a submit button `data-action=<action>`; `submit`
 * gets the form's values and is retried as often as the user presses it. Resolves true once a submit succeeded, false
 * when cancelled (Escape or `data-action=cancel`).
 */
export function formDialog(ctx: Pick<ConsoleContext, 't'>, title: string, controls: string, action: string, label: string,
  submit: (values: Record<string, string>, form: HTMLFormElement) => Promise<void>): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'form-dialog';
    dialog.innerHTML = `<form>
        <h3>${escapeHtml(title)}</h3>
        ${controls}
        <menu>
          <button type="button" data-action="cancel">${ctx.t('取消', 'Cancel')}</button>
          <button type="submit" data-action="${escapeHtml(action)}">${escapeHtml(label)}</button>
        </menu>
      </form>`;
    document.body.append(dialog);
    const form = dialog.querySelector('form')!;
    const finish = (done: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(done);
    };
    dialog.querySelector('[data-action=cancel]')!.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', () => finish(false));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const button = form.querySelector<HTMLButtonElement>('[type=submit]')!;
      button.disabled = true;
      try {
        await submit(formValues(form), form);
        finish(true);
      } catch (error) {
        showProblem(form, error, ctx);
      } finally {
        button.disabled = false;
      }
    });
    dialog.showModal();
    form.querySelector<HTMLElement>('input, select, textarea')?.focus();
  });
}

/** A message line at the top of host (an action's failure outside a form). */
export function showError(host: HTMLElement, error: unknown): void {
  host.querySelector(':scope > .action-error')?.remove();
  const message = document.createElement('p');
  message.className = 'error action-error';
  message.setAttribute('role', 'alert');
  message.textContent = error instanceof Error ? error.message : String(error);
  host.prepend(message);
}
