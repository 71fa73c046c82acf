/**
 * The whole wizard against real lab machines, as a user clicks through it: hosts, checks,
 * cluster (from the lab's release mirror), firewall, review, install, done. The K3s on the
 * machines is the lab's stand-in; everything else (SSH, sudo, systemd, firewalld) is real.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, screenshotDir, test } from './fixtures';
import { down, ensureMirror, exec, mirror, up, type LabHost } from './lab/index';

const kubeconfig = join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config');
let server: LabHost;
let agent: LabHost;

test.use({ serveEnv: { KUBECONFIG: kubeconfig }, permissions: ['clipboard-read', 'clipboard-write'] });
test.describe.configure({ mode: 'serial', timeout: 600_000 });

test.beforeAll(async () => {
  test.setTimeout(900_000);
  await ensureMirror();
  [server, agent] = (await up([
    { name: 'e8in', firewall: 'firewalld' },
    { name: 'e8ia', firewall: 'none', sudo: 'password' },
  ])) as [LabHost, LabHost];
});

test.afterAll(async () => {
  await down(['e8in', 'e8ia']);
});

test('installs with firewalld configured, re-runs changing nothing, gives the join command, bundles, uninstalls', async ({
  wizard,
}) => {
  const { page } = wizard;
  await wizard.hosts.addTrusted(server);
  await wizard.hosts.addTrusted(agent, { sudoPassword: agent.password });
  await wizard.page.getByLabel(`Node name of ${server.address}`).fill('control');
  await wizard.page.getByLabel(`Node name of ${agent.address}`).fill('worker');
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.name.fill('labcluster');
  await wizard.cluster.useMirror(mirror());
  await wizard.goForwardTo('Firewall');
  await expect(page.getByLabel('Firewall changes on control')).toContainText('firewall-cmd');
  await wizard.goForwardTo('Install');
  await wizard.installButton.click();

  const status = page.getByRole('status').filter({ hasText: /Installing|Finished|failed|Cancelled|already/ });
  // Wait for the run to end, then require success (a failure fails at once, with its message).
  await expect(status).not.toHaveText(/Installing/, { timeout: 480_000 });
  await expect(status).toHaveText(/Finished in/, { timeout: 1000 });
  await page.screenshot({ path: join(screenshotDir, 'install.png'), fullPage: true });
  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Done');
  const nodes = page.getByRole('table', { name: 'Nodes' });
  await expect(nodes.getByRole('row').filter({ hasText: 'control' })).toContainText('Ready');
  await expect(nodes.getByRole('row').filter({ hasText: 'worker' })).toContainText('Ready');
  await expect(page.getByText('Checked from this computer: kubectl will work from here.')).toBeVisible();
  // Every flow between the nodes, tested after the install, is shown with its result.
  const flows = page.getByRole('table', { name: 'Connections tested' });
  await expect(flows.getByRole('row').filter({ hasText: '8472/udp' })).toHaveCount(2);
  await expect(flows.getByRole('row').filter({ hasText: '6443/tcp' }).first()).toContainText('passed');
  await expect(flows.getByRole('row').filter({ hasText: /blocked|unknown/ })).toHaveCount(0);
  await page.screenshot({ path: join(screenshotDir, 'done.png'), fullPage: true });

  const config = parse(readFileSync(kubeconfig, 'utf8')) as {
    contexts: { name: string }[];
    clusters: { name: string; cluster: { server: string } }[];
  };
  expect(config.contexts.map((c) => c.name)).toContain('labcluster');
  expect(config.clusters.find((c) => c.name === 'labcluster')?.cluster.server).toBe(
    `https://${server.address}:6443`,
  );

  // A second run changes nothing and says so.
  await wizard.step('Install').click();
  await page.getByRole('button', { name: 'Run again' }).click();
  await expect(status).toHaveText('Everything was already in place: nothing was changed.', {
    timeout: 300_000,
  });

  // Done: the join line shows no token; the copied one carries an expiring token.
  await wizard.step('Done').click();
  const joinLine = page.getByLabel('Join command');
  await expect(joinLine).toContainText(`K3S_URL=https://${server.address}:6443`);
  await expect(joinLine).toContainText('••••••');
  await page.getByRole('button', { name: 'Copy the join command' }).click();
  await expect(page.getByText('Copied, with the token.')).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toMatch(/K3S_TOKEN=["']?K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}/);
  await expect(joinLine).not.toContainText(copied.match(/::([a-z0-9.]+)/)?.[1] ?? 'never');

  await page.getByRole('button', { name: 'Create a support bundle' }).click();
  const bundle = page.getByText(/Support bundle written to/).locator('code');
  await expect(bundle).toContainText('.tar.gz');
  expect(statSync((await bundle.textContent()) ?? '').mode & 0o777).toBe(0o600);
  // The browser's computer gets its own copies: the bundle and this cluster's kubeconfig context.
  await expect(page.getByText(/Support bundle written to/)).toContainText(
    'on the computer running k3s-wizard serve',
  );
  const bundleDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the support bundle' }).click();
  expect((await bundleDownload).suggestedFilename()).toMatch(/\.tar\.gz$/);
  const kubeDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the kubeconfig' }).click();
  const saved = await (await kubeDownload).path();
  const downloaded = parse(readFileSync(saved, 'utf8')) as { contexts: { name: string }[] };
  expect(downloaded.contexts.map((c) => c.name)).toEqual(['labcluster']);

  // Uninstall, confirmed: progress like an install, and K3s gone from both machines.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Uninstall the cluster…' }).click();
  await expect(wizard.heading).toHaveText('Install');
  // Before the uninstall the status read "nothing was changed": wait for this run's own end.
  await expect(status).toHaveText(/Finished in|failed|Cancelled/, { timeout: 300_000 });
  await expect(status).toHaveText(/Finished in/, { timeout: 1000 });
  for (const name of ['e8in', 'e8ia']) {
    expect((await exec(name, ['sh', '-c', 'test -e /usr/local/bin/k3s; echo $?'])).stdout.trim()).toBe('1');
  }
});
