import './app.css';
import { openAppDb, KeyValues, Queue } from './queue';
import { DeviceApi, type DeviceIdentity } from './device';
import { WorkerApp } from './worker';
import { showSignIn } from './signin';

// The grid worker's app (网格员) at /app/: an installable, offline-first web app for the phone (docs/worker-app.md).
// The service worker (vite-plugin-pwa / Workbox, src/Dashboard/vite.config.ts) is scoped to /app/ only, so the wall
// screen and the console are never served from its cache.

const root = document.querySelector<HTMLElement>('#app')!;

if ('serviceWorker' in navigator) {
  // Registered from here (no inline script: the pages' Content-Security-Policy has none), for /app/ alone.
  void navigator.serviceWorker.register(new URL('./sw.js', location.href).pathname, { scope: new URL('./', location.href).pathname }).catch((e) => {
    console.warn('service worker', e);
  });
}

async function start(): Promise<void> {
  const db = await openAppDb();
  const kv = new KeyValues(db);
  const queue = new Queue(db);

  const open = (device: DeviceIdentity): void => {
    new WorkerApp(root, device, new DeviceApi(device.key, new URL('../', location.href).pathname), queue, kv, (reason) => {
      void kv.delete('device').then(() => signIn(reason));
    }).open();
  };

  const signIn = (reason?: [string, string]): void => {
    showSignIn(root, reason, async (device) => {
      const previous = await kv.get<DeviceIdentity>('device-last');
      if (previous && previous.deviceId !== device.deviceId) {
        // What waited belonged to another device (its opIds, its seq): it is not sent under this key.
        await queue.clear();
      }
      await kv.set('device', device);
      await kv.set('device-last', { ...device, key: '' });
      open(device);
    });
  };

  const device = await kv.get<DeviceIdentity>('device');
  if (device) {
    open(device);
  } else {
    signIn();
  }
}

void start();
