import './console.css';
import { ApiClient } from '../api';
import { savedLanguage } from '../i18n';
import { showLogin } from '../login';
import { Session } from '../session';
import type { Me } from './context';
import { ConsoleShell } from './shell';

// The console (工作台) at /console/: the desk's view beside the wall screen's. Same sign-in and session as the wall
// screen (one origin, one sessionStorage), then the caller's functions from /api/v1/auth/me decide the pages shown.

const root = document.querySelector<HTMLElement>('#console')!;
const session = new Session();
const api = new ApiClient(session, undefined, '../');

function signIn(): void {
  showLogin(root, session, savedLanguage() === 'zh' ? '网格化服务管理 · 工作台' : 'Grid governance · Console', showConsole);
}

async function showConsole(): Promise<void> {
  const me = await api.request<Me>('GET', 'api/v1/auth/me');
  new ConsoleShell(root, session, api, me, () => {
    session.signOut();
    signIn();
  }).open();
}

if (session.signedIn) {
  void showConsole().catch(() => {
    session.signOut();
    signIn();
  });
} else {
  signIn();
}
