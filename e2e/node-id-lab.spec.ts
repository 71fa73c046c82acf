/**
 * #19.3 end to end: two machines flashed from one image (both called raspberrypi) join one
 * cluster with "Host name plus a random id" chosen on the Cluster step. K3s names them
 * raspberrypi-<id>; the install waits for each by its host name and address, and the Done step
 * lists both Ready under the names K3s gave them, as the server's own kubectl does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { down, ensureMirror, exec, mirror, up, type LabHost } from './lab/index';

const NAMES = ['n2ds', 'n2d1', 'n2d2'];
let hosts: LabHost[];

test.use({ serveEnv: { KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config') } });
test.describe.configure({ mode: 'serial', timeout: 600_000 });

test.beforeAll(async () => {
  test.setTimeout(900_000);
  await ensureMirror();
  await down(NAMES);
  hosts = await up([
    { name: 'n2ds', firewall: 'none' },
    { name: 'n2d1', firewall: 'none', hostname: 'raspberrypi' },
    { name: 'n2d2', firewall: 'none', hostname: 'raspberrypi' },
  ]);
});

test.afterAll(async () => {
  await down(NAMES);
});

test('two machines with one host name join with a random id each and are listed Ready', async ({
  wizard,
}) => {
  const { page } = wizard;
  const [server, one, two] = hosts as [LabHost, LabHost, LabHost];
  for (const host of hosts) await wizard.hosts.addTrusted(host);
  await page.getByLabel(`Node name of ${one.address}`).fill('pi-one');
  await page.getByLabel(`Node name of ${two.address}`).fill('pi-two');
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.useMirror(mirror());
  await wizard.cluster.nodeNaming(/^Host name plus a random id/).check();
  await wizard.goForwardTo('Install');
  await wizard.installToDone();

  const listed = (await exec('n2ds', ['k3s', 'kubectl', 'get', 'nodes', '-o', 'name'])).stdout
    .split('\n')
    .map((l) => l.replace(/^node\//, '').trim())
    .filter((n) => n.startsWith('raspberrypi-'));
  expect(listed).toHaveLength(2);
  expect(new Set(listed).size).toBe(2);
  const nodes = page.getByRole('table', { name: 'Nodes' });
  for (const name of listed)
    await expect(
      nodes.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) }),
    ).toContainText('Ready');
  await expect(nodes.getByRole('row').filter({ hasText: server.hostname })).not.toHaveCount(0);
});
