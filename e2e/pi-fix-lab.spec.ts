/**
 * The Checks step's fix for a Raspberry Pi without the memory cgroup: what will change is
 * shown first; on request the flags are added, the Pi reboots, and the check turns green.
 */
import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';
import { down, exec, up, type LabHost } from './lab/index';

let pi: LabHost;

test.describe.configure({ mode: 'serial', timeout: 300_000 });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  [pi] = (await up([{ name: 'e8pf', pi: true, firewall: 'none' }])) as [LabHost];
});

test.afterAll(async () => {
  await down(['e8pf']);
});

test('enables the memory cgroup from the Checks step, with the reboot, and re-checks', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.addTrusted(pi);
  await wizard.nextButton.click();
  const cgroup = page
    .getByRole('list', { name: `Checks of ${pi.hostname}` })
    .getByRole('listitem')
    .filter({ hasText: /memory cgroup/i });
  await expect(cgroup).toContainText('Problem');
  await cgroup.getByText(`What will change on ${pi.hostname}`).click();
  await expect(cgroup.locator('pre')).toContainText('cgroup_memory=1 cgroup_enable=memory');
  await page.screenshot({ path: join(screenshotDir, 'checks-fix.png'), fullPage: true });

  await cgroup.getByRole('button', { name: `Enable it now and reboot ${pi.hostname}` }).click();
  // The fix runs (flags, reboot, wait), the machine is probed again and the check passes; a passing
  // check has no fix section, so the brief "Done" line is not waited for.
  await expect(
    page
      .getByRole('list', { name: `Checks of ${pi.hostname}` })
      .getByRole('listitem')
      .filter({ hasText: /memory cgroup/i }),
  ).toContainText('OK', { timeout: 240_000 });
  const cmdline = await exec('e8pf', ['cat', '/boot/firmware/cmdline.txt']);
  expect(cmdline.stdout.match(/cgroup_memory=1/g)).toHaveLength(1);

  // The fix was not the install: Install still offers to install, and Next waits for it.
  await wizard.goForwardTo('Install');
  await expect(wizard.installButton).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run again' })).toHaveCount(0);
  await expect(page.getByRole('main').getByRole('status')).toHaveText('Nothing has been installed yet.');
  await expect(wizard.nextButton).toBeDisabled();
});
