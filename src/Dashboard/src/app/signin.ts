import { escapeHtml } from '../dom';
import { DeviceApi, DeviceUnauthorized, parsePayload, type DeviceIdentity } from './device';
import { decodeFile, scanCamera } from './scan';

// Sign-in by device (设备登记): the console provisions the phone and shows a QR code holding {"v":1,"gateway","deviceId","key"};
// the worker scans it with the camera (or a picture of it) or pastes it. The key is checked once (GET /api/v1/device/me)
// and kept in this origin's IndexedDB only.

export function showSignIn(root: HTMLElement, reason: [string, string] | undefined, signedIn: (device: DeviceIdentity) => Promise<void>): void {
  root.innerHTML = `
    <main class="app-signin" data-screen="sign-in">
      <h1>网格员 <small>Grid worker</small></h1>
      ${reason ? `<p class="app-notice" data-field="signed-out">${escapeHtml(reason[0])} <small>${escapeHtml(reason[1])}</small></p>` : ''}
      <p>请在工作台「设备」页为本机登记，扫描或粘贴显示的登记码。<small>Provision this phone in the console (Devices), then scan or paste its code.</small></p>
      <button type="button" class="app-primary" data-action="scan">扫码登记 <small>Scan</small></button>
      <video class="app-scan" playsinline muted hidden></video>
      <label class="app-file">从图片识别 <small>From a picture</small><input type="file" accept="image/*" name="qr-image" /></label>
      <label>登记码 <small>Sign-in code</small><textarea name="payload" rows="4" placeholder='{"v":1,"gateway":…,"deviceId":…,"key":…}'></textarea></label>
      <p class="app-error" data-field="payload" hidden></p>
      <button type="button" class="app-primary" data-action="sign-in">登记 <small>Sign in</small></button>
    </main>`;
  const main = root.querySelector<HTMLElement>('main')!;
  const error = main.querySelector<HTMLElement>('.app-error')!;
  const textarea = main.querySelector<HTMLTextAreaElement>('textarea')!;
  const video = main.querySelector<HTMLVideoElement>('video')!;
  let scanning: { stop(): void } | null = null;

  const fail = (zh: string, en: string): void => {
    error.hidden = false;
    error.innerHTML = `${escapeHtml(zh)} <small>${escapeHtml(en)}</small>`;
  };

  const use = async (text: string): Promise<void> => {
    error.hidden = true;
    const { payload, error: refused } = parsePayload(text, location.origin);
    if (!payload) {
      fail(...refused!);
      return;
    }
    try {
      const me = await new DeviceApi(payload.key, new URL('../', location.href).pathname).me();
      scanning?.stop();
      await signedIn({ ...me, key: payload.key });
    } catch (e) {
      if (e instanceof DeviceUnauthorized) {
        fail('设备密钥无效或已撤销', 'The device key is unknown or revoked');
      } else {
        fail('无法连接服务器，登记需要网络', 'The server cannot be reached; signing in needs a network');
      }
    }
  };

  main.querySelector('[data-action=sign-in]')!.addEventListener('click', () => void use(textarea.value));
  main.querySelector('[data-action=scan]')!.addEventListener('click', () => {
    scanning?.stop();
    video.hidden = false;
    scanning = scanCamera(
      video,
      (text) => {
        video.hidden = true;
        textarea.value = text;
        void use(text);
      },
      () => {
        video.hidden = true;
        fail('无法打开摄像头，请粘贴登记码或从图片识别', 'The camera cannot be opened; paste the code or read it from a picture');
      },
    );
  });
  main.querySelector<HTMLInputElement>('input[name=qr-image]')!.addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    const text = file ? await decodeFile(file).catch(() => null) : null;
    if (text) {
      textarea.value = text;
      await use(text);
    } else {
      fail('图片中没有识别到登记码', 'No sign-in code found in the picture');
    }
  });
}
