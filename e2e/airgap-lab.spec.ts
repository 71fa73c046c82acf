import { expect, test } from './fixtures';
import { ensureMirror, mirror } from './lab/index';

test.beforeAll(async () => {
  test.setTimeout(300_000);
  await ensureMirror();
});

test('the air-gap choice shows what the folder holds for each architecture', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.add({ address: 'pi1.local', user: 'pi' });
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.airgap.check();
  await wizard.cluster.airgapFolder.fill('/nonexistent/k3s-airgap');
  await page.getByRole('button', { name: 'Check the folder' }).click();
  await expect(page.getByText('Cannot read the air-gap folder /nonexistent/k3s-airgap')).toBeVisible();

  await wizard.cluster.airgapFolder.fill(mirror().airgapDir);
  await page.getByRole('button', { name: 'Check the folder' }).click();
  const files = page.getByRole('table', { name: 'Air-gap files' });
  await expect(files.getByRole('row').filter({ hasText: 'amd64' })).toContainText('k3s: found');
  await expect(files.getByRole('row').filter({ hasText: 'arm64' })).toContainText('k3s-arm64: found');
  await expect(files.getByRole('row').filter({ hasText: 'armhf' })).toContainText('k3s-armhf: found');
  await expect(files.getByRole('row').filter({ hasText: 'arm64' })).toContainText('listed');
  await expect(page.getByText('install.sh: found.')).toBeVisible();
});
