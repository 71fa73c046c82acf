/**
 * The Checks and Firewall steps with a classroom of 30 and 100 machines (their probe results
 * restored from the tab's draft, see e2e/classroom.ts), in headless Chromium against
 * `k3s-wizard serve`: time to show each step, and to apply the "Only problems" filter.
 * Needs `npm run build` first. Environment: BENCH_MACHINES (default "30,100"),
 * K3S_WIZARD_CHROMIUM (default /usr/bin/chromium). Prints figures; asserts nothing.
 */
import { startServe } from '../serve';
import { chromium, type Page } from 'playwright-core';
import { seedClassroom } from '../classroom';

const sizes = (process.env.BENCH_MACHINES ?? '30,100').split(',').map(Number);

/** The browser front with its own data folder and kubeconfig (the e2e tests' start-up). */
async function serve(): Promise<{ url: string; stop: () => void }> {
  const app = await startServe();
  return { url: app.url, stop: () => app.process.kill('SIGINT') };
}

async function timed(what: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await what();
  return performance.now() - start;
}

async function measure(page: Page, machines: number) {
  const next = page.getByRole('button', { name: 'Next', exact: true });
  await seedClassroom(page, machines, async () => {
    const form = page.getByRole('form', { name: 'Add a host' });
    await form.getByLabel('Address').fill('10.1.0.1');
    await form.getByLabel('User').fill('pi');
    await form.getByRole('button', { name: 'Add host' }).click();
  });
  const matrix = page.getByRole('table', { name: 'Checks by machine' });
  const checks = await timed(async () => {
    await next.click();
    await matrix.getByRole('row').nth(machines).waitFor();
  });
  const filter = await timed(async () => {
    await page.getByRole('checkbox', { name: 'Only problems' }).check();
    await page.waitForFunction(
      (rows) => document.querySelectorAll('table[aria-label="Checks by machine"] tr').length < rows,
      machines + 1,
    );
  });
  const unfilter = await timed(async () => {
    await page.getByRole('checkbox', { name: 'Only problems' }).uncheck();
    await matrix.getByRole('row').nth(machines).waitFor();
  });
  await next.click(); // Cluster
  const firewall = await timed(async () => {
    await next.click();
    await page.getByRole('table', { name: 'Connections by machine' }).waitFor();
  });
  const policy = await timed(async () => {
    await page.getByRole('radio', { name: /^Turn the firewall off/ }).check();
    await page.getByRole('radio', { name: /^Open exactly what K3s needs/ }).check();
  });
  return { machines, checks, filter, unfilter, firewall, policy };
}

const browser = await chromium.launch({
  executablePath: process.env.K3S_WIZARD_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
try {
  console.log('machines   show Checks   only problems   all again   show Firewall   change policy');
  for (const machines of sizes) {
    const app = await serve();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(app.url);
      const row = await measure(page, machines);
      console.log(
        `${String(machines).padStart(8)}   ${ms(row.checks)}     ${ms(row.filter)}     ${ms(row.unfilter)}   ${ms(row.firewall)}       ${ms(row.policy)}`,
      );
    } finally {
      await page.close();
      app.stop();
    }
  }
} finally {
  await browser.close();
}
