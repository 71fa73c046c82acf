/**
 * Starts the app the way a user does: `k3s-wizard serve` (the browser front) with its own
 * empty data folder, or the desktop app through Playwright's Electron support.
 */
import { join } from 'node:path';
import { test as base, type ConsoleMessage, type Page, _electron } from '@playwright/test';
import { WizardPage } from './pages/wizard';
import { startServe, type RunningApp } from './serve';

export { startServe, type RunningApp } from './serve';

const root = join(import.meta.dirname, '..');
export const screenshotDir = join(root, 'e2e', 'artifacts', 'screenshots');

/**
 * Every uncaught exception and every `console.error` of every page a test opens. A test fails
 * when any arrived that it did not announce with `allow` (a blank page must never pass again).
 */
export class PageErrors {
  private readonly seen: string[] = [];
  private readonly allowed: RegExp[] = [];
  private stopped = false;

  watch(page: Page): void {
    page.on('pageerror', (error) => this.record(`pageerror: ${error.stack ?? error.message}`));
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') this.record(`console.error: ${message.text()}`);
    });
  }

  /** The test is over and its back end is being stopped: a lost socket now is expected. */
  stop(): void {
    this.stopped = true;
  }

  private record(line: string): void {
    if (!this.stopped) this.seen.push(line);
  }

  /** An error this test provokes on purpose (the browser's own message for a refused socket). */
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  unexpected(): string[] {
    return this.seen.filter((line) => !this.allowed.some((pattern) => pattern.test(line)));
  }
}

export const test = base.extend<{
  app: RunningApp;
  wizard: WizardPage;
  serveEnv: NodeJS.ProcessEnv;
  pageErrors: PageErrors;
}>({
  /** Extra environment for the back end (e.g. KUBECONFIG), per test file. */
  serveEnv: [{}, { option: true }],
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's needs from this pattern
  pageErrors: async ({}, use) => {
    const errors = new PageErrors();
    await use(errors);
    const unexpected = errors.unexpected();
    if (unexpected.length > 0) {
      throw new Error(`The page reported ${unexpected.length} error(s):\n${unexpected.join('\n')}`);
    }
  },
  // Every page of the test's browser context is watched, including ones the test opens itself.
  context: async ({ context, pageErrors }, use) => {
    for (const page of context.pages()) pageErrors.watch(page);
    context.on('page', (page) => pageErrors.watch(page));
    await use(context);
  },
  app: async ({ serveEnv, pageErrors }, use) => {
    const app = await startServe(serveEnv);
    await use(app);
    pageErrors.stop();
    app.process.kill('SIGINT');
  },
  wizard: async ({ page, app, pageErrors }, use) => {
    if (process.env.K3S_WIZARD_E2E_FRONT === 'electron') {
      const electronApp = await _electron.launch({
        args: [root],
        env: {
          KUBECONFIG: join(app.dataDir, 'kube', 'config'),
          ...process.env,
          K3S_WIZARD_DATA_DIR: app.dataDir,
        },
      });
      const window: Page = await electronApp.firstWindow();
      pageErrors.watch(window);
      await use(new WizardPage(window));
      await electronApp.close();
      return;
    }
    await page.goto(app.url);
    await use(new WizardPage(page));
  },
});

export { expect } from '@playwright/test';
