/**
 * #12.3/#12.5 on the Done step: flannel's 8472/udp blocked between the machines (outside them,
 * the lab's block-port; neither has a firewall of its own). The install finishes, but the cluster
 * is not ready: Done says "installed, but not ready", which flow is blocked, what most likely
 * blocks it and what to do, and marks the flow in the table. Unblocked, Run again is ready and
 * every flow passes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';
import { fault, mirror } from './lab/index';
import { labHosts } from './lab-hosts';

test.use({ serveEnv: { KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config') } });
test.describe.configure({ mode: 'serial', timeout: 600_000 });

const lab = labHosts(
  [
    { name: 'e9ds', firewall: 'none' },
    { name: 'e9da', firewall: 'none' },
  ],
  {
    tearDown: () => fault.unblockPort('e9da', 8472, 'udp').catch(() => undefined),
  },
);

test('a blocked flannel port: Done says installed but not ready, names the flow and what to do; unblocked, ready', async ({
  wizard,
}) => {
  const { page } = wizard;
  await wizard.toInstallStep({ srv: lab.host('e9ds'), wrk: lab.host('e9da') }, mirror());

  await fault.blockPort('e9da', 8472, 'udp');
  await wizard.install();
  const status = wizard.runStatus;
  await expect(status).toHaveText(/Some steps failed/);

  // Installed, so Done can be reached; it says what is wrong instead of "not installed yet".
  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Done');
  await expect(page.getByRole('heading', { name: 'Installed, but not ready' })).toBeVisible();
  const alert = page.getByRole('alert').filter({ hasText: 'installed, but' });
  await expect(alert).toContainText('pods on srv cannot reach pods on wrk (8472/udp');
  await expect(alert).toContainText('wrk has no host firewall');
  await expect(alert).toContainText('something outside the machines blocks it');
  await expect(alert).toContainText('allow 8472/udp from srv to wrk there, then run again');
  const flows = page.getByRole('table', { name: 'Connections tested' });
  const blocked = flows.getByRole('row').filter({ hasText: 'srv' }).filter({ hasText: '8472/udp' });
  await expect(blocked.filter({ hasText: /^srv\s*wrk/ })).toContainText(
    'blocked (datagrams sent, none arrived)',
  );
  await expect(flows.getByRole('row').filter({ hasText: /^wrk\s*srv\s*8472\/udp/ })).toContainText('passed');
  await expect(
    page.getByRole('table', { name: 'Nodes' }).getByRole('row').filter({ hasText: 'wrk' }),
  ).toContainText('Ready');
  await page.screenshot({ path: join(screenshotDir, 'done-blocked.png'), fullPage: true });

  await fault.unblockPort('e9da', 8472, 'udp');
  await wizard.step('Install').click();
  await page.getByRole('button', { name: 'Run again' }).click();
  await expect(status).not.toHaveText(/Installing/, { timeout: 300_000 });
  await expect(status).toHaveText(/Finished in|Everything was already in place/);
  await wizard.nextButton.click();
  await expect(page.getByRole('heading', { name: 'Installed, but not ready' })).toHaveCount(0);
  await expect(flows.getByRole('row').filter({ hasText: /blocked|unknown/ })).toHaveCount(0);
});
