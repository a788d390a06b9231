import './style.css';
import { ApiClient, ApiError } from './api';
import { savedLanguage, texts } from './i18n';
import { WallScreen } from './screen';
import { Session } from './session';

const root = document.querySelector<HTMLElement>('#app')!;
const session = new Session();
const api = new ApiClient(session);   // every operator call to the gateway, with the session's token

function showLogin(): void {
  const t = texts(savedLanguage());
  root.innerHTML = `
    <form id="login" class="login" autocomplete="on">
      <h1>${t.title}</h1>
      <label>${t.username}<input id="username" name="username" autocomplete="username" required /></label>
      <label>${t.password}<input id="password" name="password" type="password" autocomplete="current-password" required /></label>
      <button id="sign-in" type="submit">${t.signIn}</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>`;
  root.querySelector('#login')!.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = (root.querySelector('#username') as HTMLInputElement).value.trim();
    const password = (root.querySelector('#password') as HTMLInputElement).value;
    try {
      await session.signIn(username, password);
      await showScreen();
    } catch (error) {
      root.querySelector('#login-error')!.textContent = error instanceof ApiError && error.status === 401 ? t.signInFailed : String(error);
    }
  });
}

async function showScreen(): Promise<void> {
  await new WallScreen(root, session, api, showLogin).open();
}

if (session.signedIn) {
  void showScreen().catch(() => {
    session.signOut();
    showLogin();
  });
} else {
  showLogin();
}
