/**
 * The cluster page against real lab machines, through the browser front as a user clicks: a
 * cluster installed with the wizard is opened from "Saved clusters"; its page shows the nodes
 * (Ready, versions, arch) and the flows tested between them, lists the join token the Done
 * step minted and revokes it; "Add machines" goes through Hosts and Checks for the new machine
 * only, and the install joins it without restarting the running nodes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';
import { exec, mirror, type LabHost } from './lab/index';
import { labHosts } from './lab-hosts';

const kubeconfig = join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config');
let server: LabHost;
let agent: LabHost;
let extra: LabHost;

test.use({ serveEnv: { KUBECONFIG: kubeconfig } });
test.describe.configure({ mode: 'serial', timeout: 900_000 });

const invocation = async (host: string, unit: string) =>
  (await exec(host, ['systemctl', 'show', '-p', 'InvocationID', '--value', unit])).stdout.trim();

labHosts(
  [
    { name: 'e9cs', firewall: 'firewalld' },
    { name: 'e9ca', firewall: 'none' },
    { name: 'e9cx', arch: 'armhf', firewall: 'ufw' },
  ],
  {
    setUp: (up) => {
      [server, agent, extra] = up as [LabHost, LabHost, LabHost];
    },
  },
);

test('opens the cluster page, revokes a join token, adds a machine', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.toInstallStep({ cpsrv: server, cpagent: agent }, mirror(), { name: 'pagecluster' });
  await wizard.installToDone();
  const status = wizard.runStatus;
  // the Done step's join command mints an expiring token when it is shown
  await page.getByRole('button', { name: 'Show the token' }).click();
  await expect(page.getByLabel('Join command')).toContainText(/K3S_TOKEN='?K10[0-9a-f]+::[a-z0-9]{6}\./, {
    timeout: 60_000,
  });

  // Saved clusters → the cluster page (once the draft is saved as installed: it saves as it goes)
  await wizard.openClusterPage('pagecluster');
  await expect(wizard.heading).toHaveText('Cluster pagecluster');
  const nodes = page.getByRole('table', { name: 'Nodes' });
  await expect(nodes.getByRole('row').filter({ hasText: 'cpsrv' })).toContainText('Ready', {
    timeout: 60_000,
  });
  await expect(nodes.getByRole('row').filter({ hasText: 'cpagent' })).toContainText('Ready');
  await expect(nodes.getByRole('row').filter({ hasText: 'cpsrv' })).toContainText(/v1\.\d+\.\d+\+k3s\d/);
  await expect(nodes.getByRole('row').filter({ hasText: 'cpsrv' })).toContainText('amd64');
  const flows = page.getByRole('table', { name: 'Connections tested' });
  await expect(flows.getByRole('row').filter({ hasText: '6443/tcp' }).first()).toContainText('passed', {
    timeout: 120_000,
  });
  await expect(flows.getByRole('row').filter({ hasText: /blocked|unknown/ })).toHaveCount(0);
  const tokens = page.getByRole('table', { name: 'Join tokens' });
  const appTokens = tokens.getByRole('row').filter({ hasText: 'k3s-wizard join' });
  await expect(appTokens.first()).toBeVisible();
  const count = await appTokens.count();
  await page.screenshot({ path: join(screenshotDir, 'cluster-page.png'), fullPage: true });

  // revoke one: gone from the page, and from K3s itself
  const id = (await appTokens.first().getByRole('code').textContent()) ?? '';
  expect(id).toMatch(/^[a-z0-9]{6}$/);
  page.once('dialog', (dialog) => void dialog.accept());
  await tokens.getByRole('button', { name: `Revoke ${id}` }).click();
  await expect(tokens.getByRole('row').filter({ hasText: id })).toHaveCount(0, { timeout: 60_000 });
  if (count === 1) await expect(page.getByText('No join tokens on pagecluster.')).toBeVisible();
  else await expect(appTokens).toHaveCount(count - 1);
  expect((await exec('e9cs', ['k3s', 'token', 'list'])).stdout).not.toContain(id);

  // Add machines: Hosts and Checks for the new one only; the running nodes are not restarted
  const before = { srv: await invocation('e9cs', 'k3s'), agent: await invocation('e9ca', 'k3s-agent') };
  await page.getByRole('button', { name: 'Add machines' }).click();
  await expect(wizard.heading).toHaveText('Hosts');
  await expect(page.getByRole('note', { name: 'Adding machines' })).toContainText(
    'cpsrv, cpagent run already',
  );
  await wizard.hosts.addTrusted(extra);
  await page.getByLabel(`Node name of ${extra.address}`).fill('cpextra');
  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Checks');
  await expect(page.getByRole('note', { name: 'Adding machines' })).toContainText(
    'Only the 1 new machine is checked here.',
  );
  await expect(page.getByText('1 of 1 machines checked.')).toBeVisible({ timeout: 60_000 });
  await wizard.goForwardTo('Install');
  await wizard.installButton.click();
  await expect(status).not.toHaveText(/Installing/, { timeout: 480_000 });
  await expect(status).toHaveText(/Finished in/, { timeout: 1000 });
  expect(await invocation('e9cs', 'k3s')).toBe(before.srv);
  expect(await invocation('e9ca', 'k3s-agent')).toBe(before.agent);

  await wizard.openClusterPage('pagecluster');
  await expect(nodes.getByRole('row').filter({ hasText: 'cpextra' })).toContainText('Ready', {
    timeout: 60_000,
  });
  await expect(nodes.getByRole('row').filter({ hasText: 'cpextra' })).toContainText('arm');
});
