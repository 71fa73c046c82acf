import { readFileSync } from 'node:fs';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { MENU_COMMANDS, type MenuCommand } from '../../shared/desktop';
import { buildMenuTemplate, DOCS_URL, type MenuOptions } from './menu';

function build(overrides: Partial<MenuOptions> = {}) {
  const commands: MenuCommand[] = [];
  const opened: string[] = [];
  const template = buildMenuTemplate({
    platform: 'linux',
    isDev: false,
    appName: 'k3s-wizard',
    onCommand: (command) => commands.push(command),
    openExternal: (url) => opened.push(url),
    ...overrides,
  });
  return { template, commands, opened };
}

const submenuOf = (item: MenuItemConstructorOptions | undefined): MenuItemConstructorOptions[] =>
  Array.isArray(item?.submenu) ? item.submenu : [];

/** Every item, depth first. */
const allItems = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
  items.flatMap((item) => [item, ...allItems(submenuOf(item))]);

const find = (items: MenuItemConstructorOptions[], label: string) =>
  allItems(items).find((item) => item.label === label);

const roles = (item: MenuItemConstructorOptions | undefined) =>
  submenuOf(item).map((i) => i.role ?? i.label ?? i.type);

// Electron passes the item, window and event; these menu items use none of them.
const click = (item: MenuItemConstructorOptions | undefined) => (item?.click as (() => void) | undefined)?.();

describe('native menu', () => {
  it('on Windows and Linux: File, Edit, View, Help with access keys; Quit in File, About in Help', () => {
    const { template } = build();
    expect(template.map((item) => item.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
    expect(roles(template[0])).toEqual(['New Cluster', 'Open Saved Cluster…', 'Save', 'separator', 'quit']);
    expect(roles(template[3])).toEqual(['Documentation', 'separator', 'About k3s-wizard']);
  });

  it('sends the wizard commands to the window, with the usual shortcuts', () => {
    const { template, commands } = build();
    const shortcuts = Object.fromEntries(
      allItems(template)
        .filter((item) => item.accelerator)
        .map((item): [string, string] => [String(item.label), String(item.accelerator)]),
    );
    expect(shortcuts).toEqual({
      'New Cluster': 'CmdOrCtrl+N',
      'Open Saved Cluster…': 'CmdOrCtrl+O',
      Save: 'CmdOrCtrl+S',
    });
    for (const label of ['New Cluster', 'Open Saved Cluster…', 'Save', 'About k3s-wizard'])
      click(find(template, label));
    expect(commands).toEqual(['new-cluster', 'open-cluster', 'save-cluster', 'about']);
    expect([...commands].sort()).toEqual([...MENU_COMMANDS].sort());
  });

  it('opens the documentation in the system browser', () => {
    const { template, opened } = build({ docsUrl: 'https://docs.example/' });
    click(find(template, 'Documentation'));
    expect(opened).toEqual(['https://docs.example/']);
    const defaults = build();
    click(find(defaults.template, 'Documentation'));
    expect(defaults.opened).toEqual([DOCS_URL]);
  });

  it('points the documentation at the package home page', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      homepage: string;
    };
    expect(DOCS_URL).toBe(pkg.homepage);
  });

  it('offers reload and developer tools only while developing', () => {
    const shipped = roles(build().template[2]);
    expect(shipped).toEqual(['resetZoom', 'zoomIn', 'zoomOut', 'separator', 'togglefullscreen']);
    const dev = roles(build({ isDev: true }).template[2]);
    expect(dev.slice(0, 3)).toEqual(['reload', 'forceReload', 'toggleDevTools']);
    expect(dev).toContain('togglefullscreen');
  });

  it('keeps the standard editing roles, so copy and paste work in text fields', () => {
    expect(roles(build().template[1])).toEqual([
      'undo',
      'redo',
      'separator',
      'cut',
      'copy',
      'paste',
      'delete',
      'separator',
      'selectAll',
    ]);
  });

  it('on macOS: the app menu holds About, Services, Hide and Quit; File closes the window; a Window menu', () => {
    const { template, commands } = build({ platform: 'darwin' });
    expect(template.map((item) => item.label ?? item.role)).toEqual([
      'k3s-wizard',
      'File',
      'Edit',
      'View',
      'windowMenu',
      'Help',
    ]);
    expect(roles(template[0])).toEqual([
      'About k3s-wizard',
      'separator',
      'services',
      'separator',
      'hide',
      'hideOthers',
      'unhide',
      'separator',
      'quit',
    ]);
    expect(roles(template[1]).at(-1)).toBe('close');
    expect(roles(template[2])).toContain('pasteAndMatchStyle');
    expect(roles(template[5])).toEqual(['Documentation']);
    click(submenuOf(template[0])[0]);
    expect(commands).toEqual(['about']);
  });
});
