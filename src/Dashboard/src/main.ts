import './style.css';
import { ApiClient } from './api';
import { savedLanguage, texts } from './i18n';
import { showLogin } from './login';
import { WallScreen } from './screen';
import { Session } from './session';

const root = document.querySelector<HTMLElement>('#app')!;
const session = new Session();
const api = new ApiClient(session);   // every operator call to the gateway, with the session's token

function signIn(): void {
  showLogin(root, session, texts(savedLanguage()).title, showScreen);
}

async function showScreen(): Promise<void> {
  await new WallScreen(root, session, api, signIn).open();
}

if (session.signedIn) {
  void showScreen().catch(() => {
    session.signOut();
    signIn();
  });
} else {
  signIn();
}
