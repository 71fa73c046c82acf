/**
 * Upgrade and remove from the cluster page, against real lab machines through the browser
 * front as a user clicks: a 3-node cluster (an arm64 Pi among them) installed with the wizard at
 * v1.32.9+k3s1 is opened from "Saved clusters" and upgraded to the v1.33 channel (the plan per
 * node first). The Pi's new build dies at start: the rollout stops there with its journal, the
 * others upgraded; once the build is good again, "Continue the upgrade" finishes it. Then an
 * agent is removed (the server's removal is refused with the reason) and is gone from the
 * cluster and from its machine.
 */
import { expect, test } from './fixtures';
import { exec, mirror, mirrorFault, type LabHost } from './lab/index';
import { labHosts } from './lab-hosts';

const TARGET = 'v1.33.5+k3s1';
let server: LabHost;
let agent: LabHost;
let pi: LabHost;

test.describe.configure({ mode: 'serial', timeout: 900_000 });

labHosts(
  [
    { name: 'g2ds', firewall: 'firewalld' },
    { name: 'g2da', firewall: 'ufw' },
    { name: 'g2dp', arch: 'arm64', pi: true, firewall: 'none' },
  ],
  {
    tearDown: () => (pi ? mirrorFault.fix(TARGET, 'arm64', pi.address) : Promise.resolve()),
    setUp: (up) => {
      [server, agent, pi] = up as [LabHost, LabHost, LabHost];
    },
  },
);

test('upgrades the cluster to the v1.33 channel, then removes its agent', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.addTrusted(server);
  await wizard.hosts.addTrusted(agent);
  await wizard.hosts.addTrusted(pi);
  await page.getByLabel(`Node name of ${server.address}`).fill('dtsrv');
  await page.getByLabel(`Node name of ${agent.address}`).fill('dtagent');
  await page.getByLabel(`Node name of ${pi.address}`).fill('dtpi');
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.name.fill('daytwo');
  await wizard.cluster.useMirror(mirror());
  await wizard.cluster.exactVersion.check();
  await page.getByLabel('Version', { exact: true }).fill('v1.32.9+k3s1');
  await wizard.goForwardTo('Install');
  await wizard.installToDone();

  await wizard.openClusterPage('daytwo');
  await expect(wizard.heading).toHaveText('Cluster daytwo');
  const nodes = page.getByRole('table', { name: 'Nodes' });
  await expect(nodes.getByRole('row').filter({ hasText: 'dtagent' })).toContainText('v1.32.9+k3s1', {
    timeout: 60_000,
  });

  // Upgrade K3s: the planner's plan per node, then the run
  const upgrade = page.getByRole('region', { name: 'Upgrade K3s' });
  await upgrade.getByLabel(/^Channel/).fill('v1.34');
  await upgrade.getByRole('button', { name: 'Show the upgrade plan' }).click();
  await expect(upgrade.getByRole('alert')).toContainText('Refused:', { timeout: 120_000 });
  await upgrade.getByLabel(/^Channel/).fill('v1.33');
  await upgrade.getByRole('button', { name: 'Show the upgrade plan' }).click();
  const plan = upgrade.getByRole('table', { name: 'Upgrade plan' });
  await expect(plan.getByRole('row').filter({ hasText: 'dtsrv' })).toContainText('v1.32.9+k3s1', {
    timeout: 120_000,
  });
  await expect(plan.getByRole('row').filter({ hasText: 'dtsrv' })).toContainText('v1.33.5+k3s1');
  await expect(plan.getByRole('row').filter({ hasText: 'dtagent' })).toContainText('v1.33.5+k3s1');
  await expect(plan.getByRole('row').filter({ hasText: 'dtpi' })).toContainText('v1.33.5+k3s1');

  // the Pi's new build dies at start: stopped there, with its journal; the others are upgraded
  await mirrorFault.break(TARGET, 'arm64', pi.address);
  await upgrade.getByRole('button', { name: 'Upgrade 3 nodes to v1.33.5+k3s1' }).click();
  const runHeading = page.getByRole('heading', { name: /^Upgrade to v1\.33\.5\+k3s1: / });
  await expect(runHeading).toHaveText('Upgrade to v1.33.5+k3s1: failed.', { timeout: 600_000 });
  const runView = page.getByRole('region', { name: /^Upgrade to/ });
  await expect(runView.getByRole('status')).toHaveText('It stopped at dtpi.');
  await expect(runView).toContainText('SIGILL: illegal instruction');
  // servers go first: the server is upgraded; the cluster still lists the Pi at the old version
  const kubelet = async (node: string) =>
    (
      await exec('g2ds', [
        'k3s',
        'kubectl',
        'get',
        'node',
        node,
        '-o',
        'jsonpath={.status.nodeInfo.kubeletVersion}',
      ])
    ).stdout;
  expect(await kubelet('dtsrv')).toBe(TARGET);
  expect(await kubelet('dtpi')).toBe('v1.32.9+k3s1');

  // the good build back: Continue finishes the rollout where it stopped
  await mirrorFault.fix(TARGET, 'arm64', pi.address);
  await runView.getByRole('button', { name: 'Continue the upgrade' }).click();
  await expect(runHeading).toHaveText('Upgrade to v1.33.5+k3s1: done.', { timeout: 600_000 });
  expect(await kubelet('dtpi')).toBe(TARGET);
  const after = page.getByRole('table', { name: 'Nodes after the upgrade' });
  await expect(after.getByRole('row').filter({ hasText: 'dtagent' })).toContainText('v1.33.5+k3s1');
  await expect(after.getByRole('row').filter({ hasText: 'dtsrv' })).toContainText('Ready');
  await expect(after.getByRole('row').filter({ hasText: 'dtpi' })).toContainText('v1.33.5+k3s1');
  // (a server's roles take a row of their own under its row)
  await expect(nodes.getByRole('row', { name: /^dtsrv v/ })).toContainText('v1.33.5+k3s1', {
    timeout: 60_000,
  });
  expect((await exec('g2da', ['k3s', '--version'])).stdout).toContain('v1.33.5+k3s1');
  await page
    .getByRole('region', { name: /^Upgrade to/ })
    .getByRole('button', { name: 'Close' })
    .click();

  // Remove: the server is refused with the reason; the agent goes
  await nodes.getByRole('button', { name: 'Remove dtsrv' }).click();
  const confirmServer = page.getByRole('region', { name: 'Remove dtsrv' });
  await expect(confirmServer.getByRole('alert')).toContainText(/Refused: .*server/, { timeout: 120_000 });
  await confirmServer.getByRole('button', { name: 'Close' }).click();
  await nodes.getByRole('button', { name: 'Remove dtagent' }).click();
  const confirm = page.getByRole('region', { name: 'Remove dtagent' });
  await expect(confirm).toContainText('Uninstall K3s on the machine.', { timeout: 120_000 });
  await expect(confirm).toContainText('Cordon it and drain it');
  await confirm.getByRole('button', { name: 'Remove dtagent from the cluster' }).click();
  await expect(page.getByRole('heading', { name: /^Removal of dtagent: / })).toHaveText(
    'Removal of dtagent: done.',
    { timeout: 600_000 },
  );
  await expect(nodes.getByRole('row').filter({ hasText: 'dtagent' })).toHaveCount(0, { timeout: 60_000 });
  expect((await exec('g2ds', ['k3s', 'kubectl', 'get', 'nodes', '-o', 'name'])).stdout).not.toContain(
    'dtagent',
  );
  expect(
    (await exec('g2da', ['sh', '-c', 'test -e /usr/local/bin/k3s && echo present || echo gone'])).stdout,
  ).toContain('gone');
});
