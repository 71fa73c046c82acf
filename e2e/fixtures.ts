/**
 * Starts the app the way a user does: `k3s-wizard serve` (the browser front) with its own
 * empty data folder, or the desktop app through Playwright's Electron support.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, type Page, _electron } from '@playwright/test';
import { WizardPage } from './pages/wizard';

const root = join(import.meta.dirname, '..');
export const screenshotDir = join(root, 'e2e', 'artifacts', 'screenshots');

export interface RunningApp {
  url: string;
  dataDir: string;
  process: ChildProcess;
}

export function startServe(env: NodeJS.ProcessEnv = {}): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k3sw-e2e-'));
  // No ssh-agent unless a test brings one: the browser-only tests add made-up addresses, and
  // a login attempt must fail before any packet leaves for them (only lab hosts are dialled).
  const base = { ...process.env };
  delete base.SSH_AUTH_SOCK;
  const child = spawn(process.execPath, [join(root, 'out', 'cli', 'index.js'), 'serve', '--port', '0'], {
    env: { ...base, ...env, K3S_WIZARD_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not print its address: ${out}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[0], dataDir, process: child });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

export const test = base.extend<{ app: RunningApp; wizard: WizardPage; serveEnv: NodeJS.ProcessEnv }>({
  /** Extra environment for the back end (e.g. KUBECONFIG), per test file. */
  serveEnv: [{}, { option: true }],
  app: async ({ serveEnv }, use) => {
    const app = await startServe(serveEnv);
    await use(app);
    app.process.kill('SIGINT');
  },
  wizard: async ({ page, app }, use) => {
    if (process.env.K3S_WIZARD_E2E_FRONT === 'electron') {
      const electronApp = await _electron.launch({
        args: [root],
        env: { ...process.env, K3S_WIZARD_DATA_DIR: app.dataDir },
      });
      const window: Page = await electronApp.firstWindow();
      await use(new WizardPage(window));
      await electronApp.close();
      return;
    }
    await page.goto(app.url);
    await use(new WizardPage(page));
  },
});

export { expect } from '@playwright/test';
