/**
 * The native menu, as a pure function returning Electron's template: main turns it into a Menu.
 * Commands that belong to the wizard (new, open, save, about) are sent to the window as
 * `app:menu` events; the rest are Electron's standard roles.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/desktop';

/** Where Help → Documentation leads (the package's home page). */
export const DOCS_URL = 'https://k3s-wizard.invalid/';

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Reload and developer tools only while developing. */
  isDev: boolean;
  appName: string;
  docsUrl?: string;
  onCommand: (command: MenuCommand) => void;
  /** Opens a web page in the system browser. */
  openExternal: (url: string) => void;
}

const separator: MenuItemConstructorOptions = { type: 'separator' };

export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  // `&` marks the access key on Windows and Linux; macOS menus have none.
  const top = (label: string) => (mac ? label.replace('&', '') : label);
  const command = (label: string, name: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => options.onCommand(name),
  });
  const about = command(`About ${options.appName}`, 'about');

  // macOS keeps About, Services, Hide and Quit in a menu named after the app.
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: options.appName,
          submenu: [
            about,
            separator,
            { role: 'services' },
            separator,
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            separator,
            { role: 'quit' },
          ],
        },
      ]
    : [];

  const file: MenuItemConstructorOptions = {
    label: top('&File'),
    submenu: [
      command('New Cluster', 'new-cluster', 'CmdOrCtrl+N'),
      command('Open Saved Cluster…', 'open-cluster', 'CmdOrCtrl+O'),
      command('Save', 'save-cluster', 'CmdOrCtrl+S'),
      separator,
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: top('&Edit'),
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as const] : []),
      { role: 'delete' },
      separator,
      { role: 'selectAll' },
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: top('&View'),
    submenu: [
      ...(options.isDev
        ? [
            { role: 'reload' } as const,
            { role: 'forceReload' } as const,
            { role: 'toggleDevTools' } as const,
            separator,
          ]
        : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  };

  const windowMenu: MenuItemConstructorOptions[] = mac ? [{ role: 'windowMenu' }] : [];

  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: top('&Help'),
    submenu: [
      { label: 'Documentation', click: () => options.openExternal(options.docsUrl ?? DOCS_URL) },
      ...(mac ? [] : [separator, about]),
    ],
  };

  return [...appMenu, file, edit, view, ...windowMenu, help];
}
