import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { WizardPage } from './pages/wizard';

test('the work in progress survives closing the window, without its secrets', async ({
  wizard,
  app,
  browser,
}) => {
  const { page } = wizard;
  await wizard.hosts.loginWith.selectOption('password');
  await wizard.hosts.password.fill('not-saved-anywhere-123');
  await wizard.hosts.add({ address: 'pi1.local', user: 'pi' });
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.name.fill('classroom');
  await expect(page.getByRole('banner').getByRole('status')).toHaveText('Saved as classroom');
  // The browser front has no keychain and no native pickers: neither is offered.
  await wizard.step('Hosts').click();
  await expect(page.getByText('Remember the passwords')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Browse…' })).toHaveCount(0);

  // A new window of the same browser: nothing in its session storage, the cluster comes back
  // from the back end (the address's key is used up; the browser's session cookie opens it).
  // Beside the desktop app: a browser of its own, with the address nobody used yet.
  const electron = process.env.K3S_WIZARD_E2E_FRONT === 'electron';
  const other = electron ? await browser.newContext() : page.context();
  const second = new WizardPage(await other.newPage());
  await second.page.goto(electron ? app.url : new URL(app.url).origin);
  await expect(second.hosts.table).toHaveCount(0);
  await second.page.getByRole('button', { name: 'Saved clusters' }).click();
  const dialog = second.page.getByRole('dialog', { name: 'Saved clusters' });
  await expect(dialog).toContainText('classroom · 1 machine');
  await dialog.getByRole('button', { name: 'Open classroom' }).click();
  // It opens on the step it was saved at (which depends on when the last autosave ran).
  await expect(second.heading).toHaveText(/^(Hosts|Cluster)$/);
  await second.step('Hosts').click();
  await expect(second.hosts.table).toContainText('pi1.local');
  await second.step('Cluster').click();
  await expect(second.cluster.name).toHaveValue('classroom');
  await second.page.close();
  if (electron) await other.close();

  const clusters = join(app.dataDir, 'clusters');
  const saved = readdirSync(clusters).map((slug) => readFileSync(join(clusters, slug, 'draft.json'), 'utf8'));
  expect(saved.join('\n')).toContain('pi1.local');
  expect(saved.join('\n')).not.toContain('not-saved-anywhere-123');
});

test('starting a new cluster keeps the saved one', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.add({ address: 'pi2.local', user: 'pi' });
  await expect(page.getByRole('banner').getByRole('status')).toHaveText('Saved as homelab');
  await page.getByRole('button', { name: 'Saved clusters' }).click();
  const dialog = page.getByRole('dialog', { name: 'Saved clusters' });
  await dialog.getByRole('button', { name: 'New cluster' }).click();
  await expect(wizard.hosts.table).toHaveCount(0);
  await page.getByRole('button', { name: 'Saved clusters' }).click();
  await expect(dialog).toContainText('homelab · 1 machine');
});
