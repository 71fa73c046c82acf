/**
 * Rotating the cluster token from the cluster page, against real lab machines through the
 * browser front as a user clicks: a server and an agent installed with the wizard; "Rotate the
 * cluster token" says what it changes, asks, then runs (the machines' cards as for an upgrade).
 * Afterwards both nodes run with the new token (the server's token file changed, the agent's
 * config holds it) and the page shows neither token.
 */
import { expect, test } from './fixtures';
import { exec, mirror, type LabHost } from './lab/index';
import { labHosts } from './lab-hosts';

let server: LabHost;
let agent: LabHost;

test.describe.configure({ mode: 'serial', timeout: 900_000 });

labHosts(
  [
    { name: 'g2rs', firewall: 'none' },
    { name: 'g2ra', firewall: 'none' },
  ],
  {
    setUp: (up) => {
      [server, agent] = up as [LabHost, LabHost];
    },
  },
);

const serverToken = async () =>
  (await exec('g2rs', ['cat', '/var/lib/rancher/k3s/server/token'])).stdout.trim().split(':').pop() ?? '';

test('rotates the cluster token from the cluster page', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.toInstallStep({ rtsrv: server, rtagent: agent }, mirror(), { name: 'rotating' });
  await wizard.installToDone();

  await wizard.openClusterPage('rotating');
  const nodes = page.getByRole('table', { name: 'Nodes' });
  await expect(nodes.getByRole('row').filter({ hasText: 'rtagent' })).toContainText('Ready', {
    timeout: 60_000,
  });
  const old = await serverToken();

  await page.getByText('Rotate the cluster token', { exact: true }).click();
  const advice = page.getByLabel('What rotating the cluster token changes');
  await expect(advice).toContainText('every saved join command and K3S_TOKEN with the old one stops working');
  await expect(advice).toContainText('etcd snapshots taken before need the old token');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Rotate the cluster token…' }).click();
  const heading = page.getByRole('heading', { name: /^Rotation of the cluster token: / });
  await expect(heading).toHaveText('Rotation of the cluster token: done.', { timeout: 600_000 });
  await expect(
    page.getByRole('region', { name: /^Rotation of the cluster token/ }).getByRole('status'),
  ).toHaveText(/Every node runs with the new token/);

  const fresh = await serverToken();
  expect(fresh).not.toBe(old);
  expect((await exec('g2ra', ['cat', '/etc/rancher/k3s/config.yaml'])).stdout).toContain(fresh);
  await expect(nodes.getByRole('row').filter({ hasText: 'rtagent' })).toContainText('Ready', {
    timeout: 60_000,
  });
  const shown = await page.content();
  expect(shown).not.toContain(old);
  expect(shown).not.toContain(fresh);
});
