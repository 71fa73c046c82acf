/**
 * When an install goes wrong: the API port of the server is blocked, so the agent cannot join.
 * The page is reloaded mid-install and catches up; the failure is shown in plain words with
 * the machine, the port and what to try; after unblocking, retrying that machine finishes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';
import { fault, mirror } from './lab/index';
import { labHosts } from './lab-hosts';

test.use({ serveEnv: { KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config') } });
test.describe.configure({ mode: 'serial', timeout: 600_000 });

const lab = labHosts([
  { name: 'e8fs', firewall: 'none' },
  { name: 'e8fa', firewall: 'none' },
]);

test('a blocked API port fails the join in plain words; reload catches up; retry finishes', async ({
  wizard,
}) => {
  const { page } = wizard;
  await wizard.toInstallStep({ srv: lab.host('e8fs'), wrk: lab.host('e8fa') }, mirror());

  // Something between the machines blocks the API port (not a firewall the app manages).
  await fault.blockPort('e8fs', 6443);
  await wizard.installButton.click();
  const wrk = page.getByRole('region', { name: 'wrk' });
  await expect(wrk.getByText(/^Now: /)).toBeVisible({ timeout: 120_000 });

  // A reload mid-install catches up from the back end and keeps following.
  await page.reload();
  await expect(wizard.heading).toHaveText('Install');
  await expect(page.getByRole('region', { name: 'srv' })).toContainText('Install K3s server');

  const alert = wrk.getByRole('alert');
  await expect(alert).toBeVisible({ timeout: 300_000 });
  await expect(alert).toContainText('6443');
  await expect(alert).toContainText('wrk');
  await expect(page.getByRole('region', { name: 'srv' })).not.toContainText('Failed');
  await page.screenshot({ path: join(screenshotDir, 'install-failed.png'), fullPage: true });

  await fault.unblockPort('e8fs', 6443);
  await wrk.getByRole('button', { name: 'Retry wrk' }).click();
  const status = page.getByRole('status').filter({ hasText: /Installing|Finished|failed|Cancelled|already/ });
  await expect(status).not.toHaveText(/Installing|failed/, { timeout: 300_000 });
  await expect(status).toHaveText(/Finished in/);
  await wizard.nextButton.click();
  await expect(
    page.getByRole('table', { name: 'Nodes' }).getByRole('row').filter({ hasText: 'wrk' }),
  ).toContainText('Ready');
});
