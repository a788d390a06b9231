import { ApiError } from './api';
import { savedLanguage, texts } from './i18n';
import type { Session } from './session';

/**
 * The operators' sign-in form, shared by the wall screen and the console (one session per tab for both): drawn into
 * root with the page's title; after a good sign-in, signedIn runs.
 */
export function showLogin(root: HTMLElement, session: Session, title: string, signedIn: () => Promise<void>): void {
  const t = texts(savedLanguage());
  root.innerHTML = `
    <form id="login" class="login" autocomplete="on">
      <h1>${title}</h1>
      <label>${t.username}<input id="username" name="username" autocomplete="username" required /></label>
      <label>${t.password}<input id="password" name="password" type="password" autocomplete="current-password" required /></label>
      <button id="sign-in" type="submit">${t.signIn}</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>`;
  root.querySelector<HTMLInputElement>('#username')!.focus();
  root.querySelector('#login')!.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = root.querySelector<HTMLInputElement>('#username')!.value.trim();
    const password = root.querySelector<HTMLInputElement>('#password')!.value;
    try {
      await session.signIn(username, password);
      await signedIn();
    } catch (error) {
      root.querySelector('#login-error')!.textContent =
        error instanceof ApiError && error.status === 401 ? t.signInFailed : String(error instanceof Error ? error.message : error);
    }
  });
}
