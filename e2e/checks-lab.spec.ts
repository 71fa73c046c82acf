/**
 * Checks and Firewall against real lab machines: an arm64 Raspberry Pi without the memory
 * cgroup, and a server behind firewalld that blocks the K3s ports until they are opened.
 */
import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';
import { type LabHost } from './lab/index';
import { labHosts } from './lab-hosts';

let server: LabHost;
let pi: LabHost;

test.describe.configure({ mode: 'serial', timeout: 240_000 });

labHosts(
  [
    { name: 'e8cs', firewall: 'firewalld' },
    { name: 'e8cpi', arch: 'arm64', pi: true, firewall: 'none' },
  ],
  {
    mirror: false,
    setUp: (up) => {
      [server, pi] = up as [LabHost, LabHost];
    },
  },
);

test('flags the Pi’s memory cgroup, finds the blocked ports, and plans the firewall', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.addTrusted(server);
  await wizard.hosts.addTrusted(pi);
  await expect(wizard.hosts.table).toContainText('arm64');
  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Checks');

  const piChecks = page.getByRole('list', { name: `Checks of ${pi.hostname}` });
  const cgroup = piChecks.getByRole('listitem').filter({ hasText: /memory cgroup/i });
  await expect(cgroup).toContainText('Problem');
  await expect(cgroup).toContainText(/cgroup_memory=1 cgroup_enable=memory|cmdline\.txt/);
  await expect(page.getByRole('list', { name: `Checks of ${server.hostname}` })).toContainText(/firewalld/i);

  await page.getByRole('button', { name: 'Test connections between machines' }).click();
  const tests = page.getByRole('table', { name: 'Connection tests' });
  await expect(tests).toBeVisible({ timeout: 120_000 });
  await expect(
    tests.getByRole('row').filter({ hasText: pi.hostname }).filter({ hasText: '6443/tcp' }),
  ).toContainText('blocked');
  await page.screenshot({ path: join(screenshotDir, 'checks.png'), fullPage: true });

  const across = page.getByRole('list', { name: 'Checks across the machines' });
  await across.getByRole('button', { name: 'Choose what to do on the Firewall step' }).first().click();
  await expect(wizard.heading).toHaveText('Firewall');
  await expect(page.getByText(/firewalld is active \(default zone public/)).toBeVisible();
  await page.getByText('Every connection as a list').click();
  const flows = page.getByRole('table', { name: 'Connections' });
  await expect(
    flows.getByRole('row').filter({ hasText: pi.hostname }).filter({ hasText: '6443/tcp' }),
  ).toContainText('will be opened');
  // only between the nodes, in the zone the traffic already arrives in (nothing moves zone)
  const changes = page.getByLabel(`Firewall changes on ${server.hostname}`);
  await expect(changes).toContainText(`allow 8472/udp from node ${pi.address} (zone public)`);
  await expect(changes).not.toContainText('--zone=internal');
  await page.getByRole('radio', { name: /^Leave it as it is/ }).check();
  await expect(
    flows.getByRole('row').filter({ hasText: pi.hostname }).filter({ hasText: '6443/tcp' }),
  ).toContainText('blocked');
  await page.screenshot({ path: join(screenshotDir, 'firewall-probed.png'), fullPage: true });
});
