/**
 * The desktop front's main process: thin on purpose. Everything it does beyond window
 * management lives in plain Node modules (backend/, ipc.ts) that are tested without Electron.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
} from 'electron';
import { createBackend } from './backend';
import { appVersion } from './backend/version';
import { SECURITY_HEADERS } from './csp';
import { electronDialogs } from './desktop/dialogs';
import { denyPermissions, devUrlFor, hardenContents, trustedUrlCheck } from './desktop/hardening';
import { buildMenuTemplate } from './desktop/menu';
import { initialWindowState, readWindowState, trackWindowState } from './desktop/window-state';
import { forwardEvents, registerIpc } from './ipc';
import { safeStoragePersistence } from './ssh/safe-storage';
import { readStaticFile } from './static-files';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, '..', 'preload', 'index.cjs');
const APP_ORIGIN = 'app://k3s-wizard';
// A packaged build never loads (or trusts for IPC) another page than its own.
const devUrl = devUrlFor({ isPackaged: app.isPackaged, env: process.env });

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const isTrustedUrl = trustedUrlCheck({ appOrigin: APP_ORIGIN, ...(devUrl ? { devUrl } : {}) });

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
  const dataDir = app.getPath('userData');
  const backend = createBackend({
    version: appVersion(),
    dataDir,
    front: 'desktop',
    // Only the desktop front may remember passwords, encrypted with the OS keychain.
    secretPersistence: safeStoragePersistence({ dataDir, safeStorage }),
    dialogs: electronDialogs({
      dialog,
      window: () => BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0],
    }),
  });
  registerIpc({ ipcMain, backend, isTrustedUrl });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        isDev: !app.isPackaged,
        appName: app.name,
        onCommand: (command) => backend.hub.emit('app:menu', { command }),
        openExternal: (url) => void shell.openExternal(url),
      }),
    ),
  );

  protocol.handle('app', async (request) => {
    const file = await readStaticFile(rendererDir, new URL(request.url).pathname);
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: { 'Content-Type': file.contentType, ...SECURITY_HEADERS },
    });
  });
  // The app never needs the camera, notifications, geolocation…: only the clipboard, to copy.
  denyPermissions(session.defaultSession);

  const windowStateFile = join(dataDir, 'window-state.json');
  const createWindow = (): void => {
    const minimum = { width: 900, height: 600 };
    const { maximized, ...bounds } = initialWindowState({
      saved: readWindowState(windowStateFile),
      displays: [screen.getPrimaryDisplay(), ...screen.getAllDisplays()],
      defaults: { width: 1200, height: 800 },
      minimum,
    });
    const window = new BrowserWindow({
      ...bounds,
      minWidth: minimum.width,
      minHeight: minimum.height,
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
    const stopTracking = trackWindowState({
      window,
      file: windowStateFile,
      onError: (error) => backend.logger.warn('window', `window state not saved: ${String(error)}`),
    });
    window.on('closed', () => {
      stopForwarding();
      stopTracking();
    });
    window.once('ready-to-show', () => {
      // maximize() also shows the window, so it waits until there is something to show.
      if (maximized) window.maximize();
      window.show();
    });
    void window.loadURL(devUrl ?? `${APP_ORIGIN}/index.html`);
  };

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

// No navigation or redirect away from the app, no new windows, no webviews; links to the web
// open in the system browser.
app.on('web-contents-created', (_event, contents) => {
  hardenContents(contents, { isTrustedUrl, openExternal: (url) => void shell.openExternal(url) });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
