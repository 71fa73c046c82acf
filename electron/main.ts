/**
 * The desktop front's main process: thin on purpose. Everything it does beyond window
 * management lives in plain Node modules (backend/, ipc.ts) that are tested without Electron.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { createBackend } from './backend';
import { appVersion } from './backend/version';
import { SECURITY_HEADERS } from './csp';
import { forwardEvents, registerIpc } from './ipc';
import { safeStoragePersistence } from './ssh/safe-storage';
import { readStaticFile } from './static-files';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, '..', 'preload', 'index.cjs');
const APP_ORIGIN = 'app://k3s-wizard';
const devUrl = process.env.K3S_WIZARD_DEV_URL;

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const isTrustedUrl = (url: string): boolean =>
  url.startsWith(`${APP_ORIGIN}/`) || (devUrl !== undefined && url.startsWith(new URL(devUrl).origin + '/'));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  void app.whenReady().then(start);
}

function start(): void {
  const backend = createBackend({
    version: appVersion(),
    dataDir: app.getPath('userData'),
    front: 'desktop',
    // Only the desktop front may remember passwords, encrypted with the OS keychain.
    secretPersistence: safeStoragePersistence({ dataDir: app.getPath('userData'), safeStorage }),
  });
  registerIpc({ ipcMain, backend, isTrustedUrl });

  protocol.handle('app', async (request) => {
    const file = await readStaticFile(rendererDir, new URL(request.url).pathname);
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: { 'Content-Type': file.contentType, ...SECURITY_HEADERS },
    });
  });
  // The app never needs the camera, notifications, geolocation…
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const createWindow = (): void => {
    const window = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 900,
      minHeight: 600,
      title: 'k3s-wizard',
      show: false,
      webPreferences: {
        preload: preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    const stopForwarding = forwardEvents({ backend, webContents: window.webContents });
    window.on('closed', stopForwarding);
    window.once('ready-to-show', () => window.show());
    void window.loadURL(devUrl ?? `${APP_ORIGIN}/index.html`);
  };

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

// No navigation away from the app, no new windows; links to the web open in the system browser.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url)) {
      event.preventDefault();
      if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    }
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
