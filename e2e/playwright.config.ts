import { defineConfig } from '@playwright/test';

// Drives Debian's Chromium (no browser download needed) against the browser front,
// or the real desktop app when K3S_WIZARD_E2E_FRONT=electron and Electron is installed.
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.K3S_WIZARD_CHROMIUM ?? '/usr/bin/chromium',
      // As root a sandbox cannot be set up; the others keep Chromium off the (closed) network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
