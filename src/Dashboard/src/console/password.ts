import { ApiError } from '../api';
import { escapeHtml } from '../dom';
import type { ConsoleContext } from './context';
import { clearProblems, formValues, newOpId, showProblem } from './forms';

// 修改密码: the signed-in user changes their own password (POST /api/v1/auth/password) in a dialog from the console's
// bar. The server judges the current password (422 at `currentPassword`) and the policy (422 at `newPassword`); the
// sessions stay signed in. One opId per dialog's content, so a retried press is the same change.

export function changeOwnPassword(ctx: ConsoleContext): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'confirm own-password';
    dialog.innerHTML = `
      <form method="dialog">
        <p>${escapeHtml(ctx.t('修改本人密码', 'Change your password'))} · ${escapeHtml(ctx.me.username)}</p>
        <label>${ctx.t('当前密码', 'Current password')}<input name="currentPassword" type="password" autocomplete="current-password" required /></label>
        <label>${ctx.t('新密码', 'New password')}<input name="newPassword" type="password" autocomplete="new-password" required /></label>
        <label>${ctx.t('再次输入新密码', 'New password again')}<input name="repeat" type="password" autocomplete="new-password" required /></label>
        <p class="saved" role="status" hidden>${ctx.t('密码已修改', 'Password changed')}</p>
        <menu>
          <button value="cancel" type="button" data-action="cancel">${ctx.t('关闭', 'Close')}</button>
          <button value="ok" data-action="change-password">${ctx.t('修改', 'Change')}</button>
        </menu>
      </form>`;
    document.body.append(dialog);
    const form = dialog.querySelector('form')!;
    let changed = false;
    let opId = newOpId('password');
    let sent = '';
    const finish = () => {
      dialog.close();
      dialog.remove();
      resolve(changed);
    };
    dialog.querySelector('[data-action=cancel]')!.addEventListener('click', finish);
    dialog.addEventListener('cancel', finish);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearProblems(form);
      const v = formValues(form);
      if (v.newPassword !== v.repeat) {
        showProblem(form, new ApiError(400, { title: ctx.t('两次输入的新密码不一致', 'The new passwords differ') }), ctx);
        return;
      }
      const key = `${v.currentPassword}\u0000${v.newPassword}`;
      if (key !== sent) {
        opId = newOpId('password');
        sent = key;
      }
      try {
        await ctx.api.request('POST', 'api/v1/auth/password', { opId, currentPassword: v.currentPassword ?? '', newPassword: v.newPassword ?? '' });
        changed = true;
        form.querySelector<HTMLElement>('.saved')!.hidden = false;
        form.querySelector<HTMLButtonElement>('[data-action=change-password]')!.disabled = true;
      } catch (error) {
        showProblem(form, error, ctx);
      }
    });
    dialog.showModal();
  });
}
