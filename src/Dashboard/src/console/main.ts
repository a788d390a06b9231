import './console.css';
import { ApiClient, ApiError } from '../api';
import { savedLanguage, texts } from '../i18n';
import { Session } from '../session';
import type { Me } from './context';
import { ConsoleShell } from './shell';

// The console (工作台) at /console/: the desk's view beside the wall screen's. Same sign-in and session as the wall
// screen (one origin, one sessionStorage), then the caller's functions from /api/v1/auth/me decide the pages shown.

const root = document.querySelector<HTMLElement>('#console')!;
const session = new Session();
const api = new ApiClient(session, undefined, '../');

function showLogin(): void {
  const t = texts(savedLanguage());
  root.innerHTML = `
    <form id="login" class="login" autocomplete="on">
      <h1>${savedLanguage() === 'zh' ? '网格化服务管理 · 工作台' : 'Grid governance · Console'}</h1>
      <label>${t.username}<input id="username" name="username" autocomplete="username" required /></label>
      <label>${t.password}<input id="password" name="password" type="password" autocomplete="current-password" required /></label>
      <button id="sign-in" type="submit">${t.signIn}</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>`;
  root.querySelector('#username')!.scrollIntoView();
  (root.querySelector('#username') as HTMLInputElement).focus();
  root.querySelector('#login')!.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = (root.querySelector('#username') as HTMLInputElement).value.trim();
    const password = (root.querySelector('#password') as HTMLInputElement).value;
    try {
      await session.signIn(username, password);
      await showConsole();
    } catch (error) {
      root.querySelector('#login-error')!.textContent = error instanceof ApiError && error.status === 401 ? t.signInFailed : String(error instanceof Error ? error.message : error);
    }
  });
}

async function showConsole(): Promise<void> {
  const me = await api.request<Me>('GET', 'api/v1/auth/me');
  new ConsoleShell(root, session, api, me, () => {
    session.signOut();
    showLogin();
  }).open();
}

if (session.signedIn) {
  void showConsole().catch(() => {
    session.signOut();
    showLogin();
  });
} else {
  showLogin();
}
