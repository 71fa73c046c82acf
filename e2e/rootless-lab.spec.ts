/**
 * #19.4 end to end: a machine whose login user meets the rootless requirements (pure cgroup v2,
 * delegation, lingering, newuidmap: the fixes the checks name, applied as a user would) is
 * installed from the wizard with "Run K3s rootless" on the Cluster step. K3s runs as the login
 * user from the user unit k3s-rootless; the Done step lists the node Ready, checked from this
 * computer through the kubeconfig at the API's own port 6443 (bound unchanged rootless), and says that no machine can join.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { exec, mirror } from './lab/index';
import { labHosts } from './lab-hosts';
import { columns } from '../test-support/lab-setup';
import { fixRootless } from './lab/uidmap';

const KUBECONFIG = join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config');

test.use({ serveEnv: { KUBECONFIG } });
test.describe.configure({ mode: 'serial', timeout: 600_000 });

const lab = labHosts([{ name: 'rlui', firewall: 'none' }], { setUp: () => fixRootless('rlui') });

test('a rootless server installed from the wizard runs as the user and is reached at its API port', async ({
  wizard,
}) => {
  const { page } = wizard;
  const host = lab.host('rlui');
  await wizard.hosts.addTrusted(host);
  await page.getByLabel(`Node name of ${host.address}`).fill('rlui');
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.useMirror(mirror());
  await page.getByRole('checkbox', { name: /^Run K3s rootless on rlui/ }).check();
  const panel = page.getByRole('group', { name: 'Listener of rlui' });
  await expect(panel.locator('.issue-error')).toHaveCount(0);
  await expect(panel.locator('.issue-warning')).toContainText(
    'the API is reached on the host at its own port 6443',
  );
  await wizard.goForwardTo('Review');
  await expect(wizard.review.host('rlui')).toContainText('k3s-rootless.service');
  await wizard.goForwardTo('Install');
  await wizard.installToDone();

  const nodes = page.getByRole('table', { name: 'Nodes' });
  await expect(nodes.getByRole('row').filter({ hasText: 'rlui' })).toContainText('Ready');
  await expect(page.getByText('Checked from this computer: kubectl will work from here.')).toBeVisible();
  expect(readFileSync(KUBECONFIG, 'utf8')).toContain(`server: https://${host.address}:6443`);
  await expect(
    page.getByText(
      'rlui runs K3s rootless: its networking is detached from the host, so no machine can join',
    ),
  ).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByLabel('Join command')).toHaveCount(0);

  const ps = await exec('rlui', ['sh', '-c', "ps -eo user:16,args | grep '[k]3s server --rootless'"]);
  expect(columns(ps.stdout).map((r) => r[0])).toEqual(['lab']);
});
