import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';

test.beforeEach(async ({ wizard }) => {
  await wizard.hosts.add({ address: '192.168.1.10', user: 'pi' });
  await wizard.hosts.add({ address: '192.168.1.11', user: 'pi' });
  await wizard.hosts.add({ address: '192.168.1.12', user: 'pi' });
  await wizard.goForwardTo('Firewall');
});

test('shows the flows the cluster needs, honest about machines not probed yet', async ({ wizard }) => {
  const { page } = wizard;
  await expect(page.getByRole('radio', { name: /^Open exactly what K3s needs/ })).toBeChecked();
  const picture = page.getByRole('img', { name: /connections the cluster needs/i });
  await expect(picture).toBeVisible();
  // you → server, 2 agents → server (API), and the 3 node pairs (pods + kubelet)
  await expect(picture.locator('.flow')).toHaveCount(1 + 2 + 3);
  await page.getByText('Every connection as a list').click();
  const rows = page.getByRole('table', { name: 'Connections' }).getByRole('row');
  await expect(rows.filter({ hasText: 'Your computer' })).toHaveText(/6443\/tcp.*unknown \(not probed\)/);
  await expect(rows.filter({ hasText: '8472/udp' })).toHaveCount(6);
  await expect(page.getByText('Not probed yet: run the checks to see its firewall.')).toHaveCount(3);
  await page.screenshot({ path: join(screenshotDir, 'firewall.png'), fullPage: true });
});

test('a machine can take its own choice, and the plan follows', async ({ wizard }) => {
  const { page } = wizard;
  await page.getByLabel('Firewall choice for node-2').selectOption('leave');
  await expect(page.getByLabel('Firewall choice for node-2')).toHaveValue('leave');
  await page.getByRole('radio', { name: /^Turn the firewall off/ }).check();
  await wizard.goForwardTo('Review');
  await wizard.step('Firewall').click();
  await expect(page.getByRole('radio', { name: /^Turn the firewall off/ })).toBeChecked();
  await expect(page.getByLabel('Firewall choice for node-2')).toHaveValue('leave');
});
