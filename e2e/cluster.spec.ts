import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';

test.beforeEach(async ({ wizard }) => {
  await expect(wizard.nextButton).toBeDisabled();
  await expect(wizard.nextBlocked).toHaveText('Add at least one machine to continue.');
  await wizard.hosts.add({ address: '192.168.1.10', user: 'pi' });
  await wizard.hosts.add({ address: 'pi2.local', user: 'pi' });
  await expect(wizard.page.getByLabel('Role of 192.168.1.10')).toHaveValue('server');
  await expect(wizard.page.getByLabel('Role of pi2.local')).toHaveValue('agent');
  await expect(wizard.page.getByLabel('Node name of pi2.local')).toHaveValue('pi2');
  await wizard.nextButton.click();
  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Cluster');
});

test('starts with sane defaults and explains each option', async ({ wizard }) => {
  const { cluster } = wizard;
  await expect(cluster.name).toHaveValue('homelab');
  await expect(wizard.page.getByRole('radio', { name: /^Stable channel/ })).toBeChecked();
  await expect(cluster.clusterCidr).toHaveValue('10.42.0.0/16');
  await expect(cluster.serviceCidr).toHaveValue('10.43.0.0/16');
  await expect(cluster.apiPort).toHaveValue('6443');
  await expect(wizard.page.getByText('VXLAN: works on almost every network')).toBeVisible();
  await cluster.backend.selectOption('wireguard-native');
  await expect(wizard.page.getByText('WireGuard: encrypts traffic')).toBeVisible();
  await expect(cluster.problems).toHaveCount(0);
  await expect(wizard.nextButton).toBeEnabled();
  await wizard.page.screenshot({ path: join(screenshotDir, 'cluster.png'), fullPage: true });
});

test('finds overlapping networks and blocks going on until fixed', async ({ wizard }) => {
  const { cluster } = wizard;
  await cluster.serviceCidr.fill('10.42.128.0/17');
  await expect(cluster.problems.first()).toContainText(/overlap/i);
  await expect(wizard.nextButton).toBeDisabled();
  await expect(wizard.nextBlocked).toHaveText('Fix “Networking” above to continue.');
  await cluster.serviceCidr.fill('10.43.0.0/16');
  await expect(cluster.problems).toHaveCount(0);
  await expect(wizard.nextButton).toBeEnabled();
});

test('warns about an API port other than 6443 and needs a folder for air-gap', async ({ wizard }) => {
  const { cluster } = wizard;
  await cluster.apiPort.fill('7443');
  await expect(wizard.page.locator('.issue-warning')).toContainText(/6443/);
  await cluster.airgap.check();
  await expect(cluster.problems.first()).toContainText(/folder/i);
  await cluster.airgapFolder.fill('/srv/k3s-airgap');
  await expect(cluster.problems).toHaveCount(0);
});

test('keeps the options when going back and forth', async ({ wizard }) => {
  await wizard.cluster.name.fill('classroom');
  await wizard.cluster.component(/^Traefik/).uncheck();
  await wizard.backButton.click();
  await wizard.nextButton.click();
  await expect(wizard.cluster.name).toHaveValue('classroom');
  await expect(wizard.cluster.component(/^Traefik/)).not.toBeChecked();
});

test('a mirror address is checked in the words of the form, with one rule for http and https', async ({
  wizard,
}) => {
  const { page } = wizard;
  await page.getByRole('radio', { name: /^A mirror/ }).check();
  const script = page.getByLabel('Install script address');
  await script.fill('get.k3s.io');
  await expect(wizard.cluster.problems).toHaveText(
    'Problem: The install script address must be a web address starting with https:// (or http://, less safe); got “get.k3s.io”.',
  );
  await expect(page.getByRole('main')).not.toContainText('scriptUrl');
  await expect(wizard.nextBlocked).toHaveText('Fix “Install source” above to continue.');
  await script.fill('http://mirror.lan/install.sh');
  await expect(wizard.cluster.problems).toHaveCount(0);
  await expect(page.getByRole('main')).toContainText('This address is plain http');
  await expect(wizard.nextButton).toBeEnabled();
});
