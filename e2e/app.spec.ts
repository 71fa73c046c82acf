import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';

const version = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

const STEP_TITLES = ['Hosts', 'Checks', 'Cluster', 'Firewall', 'Review', 'Install', 'Done'];

test('opens on the first step with every step of the wizard listed', async ({ wizard }) => {
  await expect(wizard.heading).toHaveText('Hosts');
  await expect(wizard.stepButtons).toHaveText(STEP_TITLES.map((title, i) => `${i + 1}${title}`));
  await expect(wizard.currentStep()).toHaveText('1Hosts');
  await expect(wizard.backButton).toBeDisabled();
  // Steps not reached yet cannot be jumped to.
  await expect(wizard.step('Review')).toBeDisabled();
  await wizard.page.screenshot({ path: join(screenshotDir, 'hosts.png') });
});

test('shows the version the back end reports, through the contract', async ({ wizard }) => {
  await expect(wizard.version).toHaveText(`k3s-wizard ${version} · browser`);
  await expect(wizard.status).toHaveText('Connected');
});

test('follows the back-end log live (an event channel) and shows earlier lines', async ({ wizard }) => {
  await wizard.logToggle.click();
  await expect(wizard.log).toBeVisible();
  // Loaded through app:recentLogs: the back end's start-up line.
  await expect(wizard.log).toContainText('back end started (browser front');
  // The app:info call the page made is logged by the dispatcher and arrives as an app:log event.
  await expect(wizard.log).toContainText(/app:info \{\} ok in \d+ ms/);
  await wizard.logToggle.click();
  await expect(wizard.log).toBeHidden();
});

test('a stale key (the server was restarted) says what to do', async ({ app, page }) => {
  const { origin } = new URL(app.url);
  await page.goto(`${origin}/?token=stale-key-from-an-earlier-run`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('This address’s access key is not valid');
  await expect(page.getByRole('main')).toContainText('Open the new address it printed.');
  await expect(page.getByRole('contentinfo')).toHaveCount(0);
});

test('keeps the session key out of the address bar', async ({ wizard }) => {
  await expect(wizard.version).toContainText('k3s-wizard');
  expect(new URL(wizard.page.url()).searchParams.has('token')).toBe(false);
  // A reload still reaches the back end (the session cookie, not the key, opens the socket).
  await wizard.page.reload();
  await expect(wizard.status).toHaveText('Connected');
});

test('a page without the key shows only how to get a valid address', async ({ app, page }) => {
  const { origin } = new URL(app.url);
  await page.goto(origin);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('This address is missing its access key');
  await expect(page.getByRole('main')).toContainText('run k3s-wizard serve again: it prints a new address');
  // Nothing of the wizard: no steps, no form, no status bar.
  await expect(page.getByRole('navigation')).toHaveCount(0);
  await expect(page.getByRole('form')).toHaveCount(0);
  await expect(page.getByRole('contentinfo')).toHaveCount(0);
});

test('the build serves no source map', async ({ app, page }) => {
  const { origin } = new URL(app.url);
  await page.goto(app.url);
  const scripts = await page
    .locator('script[src]')
    .evaluateAll((els) => els.map((el) => (el as HTMLScriptElement).src));
  expect(scripts.length).toBeGreaterThan(0);
  for (const src of scripts) {
    const script = await page.request.get(src);
    expect(await script.text()).not.toContain('sourceMappingURL');
    expect((await page.request.get(`${src}.map`)).status()).toBe(404);
  }
  expect((await page.request.get(`${origin}/assets/index.js.map`)).status()).toBe(404);
});

test('walks forward and back, keeping what was entered', async ({ wizard }) => {
  await wizard.hosts.add({ address: '192.168.1.20', user: 'pi' });
  await expect(wizard.hosts.table.getByRole('row')).toHaveCount(2);
  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Checks');
  await expect(wizard.heading).toBeFocused();
  await wizard.step('Hosts').click();
  await expect(wizard.heading).toHaveText('Hosts');
  await expect(wizard.hosts.table).toContainText('192.168.1.20');
  await expect(wizard.step('Checks')).toBeEnabled();
});

test('says what is wrong with a host and adds nothing', async ({ wizard }) => {
  await wizard.hosts.add({ address: '300.1.1.1', user: 'bad user' });
  await expect(wizard.hosts.address).toHaveAttribute('aria-invalid', 'true');
  await expect(wizard.page.getByText('is not an IP address or host name')).toBeVisible();
  await expect(wizard.page.getByText('is not a valid Linux user name')).toBeVisible();
  await expect(wizard.hosts.table).toHaveCount(0);
  await wizard.hosts.add({ address: 'pi1.local', user: 'pi' });
  await expect(wizard.hosts.table).toContainText('pi1.local');
});

test('the log can be shown and hidden while new lines arrive, and the wizard stays on screen', async ({
  wizard,
}) => {
  await wizard.logToggle.click();
  await expect(wizard.log).toContainText('back end started (browser front');
  // Adding a host makes the back end log the calls it answers: new lines while the log is open.
  await wizard.hosts.add({ address: '192.168.1.21', user: 'pi' });
  await expect(wizard.log).toContainText('hosts:setCredentials');
  await wizard.logToggle.click();
  await expect(wizard.log).toBeHidden();
  await expect(wizard.heading).toHaveText('Hosts');
  await expect(wizard.hosts.table).toContainText('192.168.1.21');
  await wizard.logToggle.click();
  await expect(wizard.log).toBeVisible();
  await expect(wizard.nextButton).toBeEnabled();
});
