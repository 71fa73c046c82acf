/**
 * A classroom of 30 machines (one server, 29 Raspberry Pis that all call themselves
 * "raspberrypi", five without the memory cgroup) through Hosts → Checks → Firewall → Review.
 * The machines' probe results are put in this tab's saved draft (see classroom.ts).
 */
import { join } from 'node:path';
import { seedClassroom } from './classroom';
import { expect, screenshotDir, test } from './fixtures';
import { ChecksStepPage } from './pages/checks-step';

const MACHINES = 30;

test('30 machines: Checks summarises machines × checks, filters problems, and offers the bulk fix', async ({
  wizard,
}) => {
  test.setTimeout(120_000);
  const { page } = wizard;
  await seedClassroom(page, MACHINES, () => wizard.hosts.add({ address: '10.1.0.1', user: 'pi' }));
  await expect(wizard.hosts.table.getByRole('row')).toHaveCount(MACHINES + 1);

  await wizard.nextButton.click();
  await expect(wizard.heading).toHaveText('Checks');
  const checks = new ChecksStepPage(page);
  await expect(checks.matrix.getByRole('row')).toHaveCount(MACHINES + 1);
  await expect(checks.cell('raspberrypi-3', 'Memory cgroup')).toHaveAccessibleName(
    'raspberrypi-3: Memory cgroup: Problem',
  );
  await expect(checks.cell('raspberrypi-4', 'Memory cgroup')).toHaveAccessibleName(
    'raspberrypi-4: Memory cgroup: OK',
  );
  await checks.cell('raspberrypi-3', 'Memory cgroup').click();
  await expect(checks.detail('raspberrypi-3', 'Memory cgroup')).toContainText('The memory cgroup is off');
  await expect(checks.detail('raspberrypi-3', 'Memory cgroup')).toContainText(
    'Enable it now and reboot raspberrypi-3',
  );
  await expect(checks.fixAllPis(5)).toBeEnabled();
  // The long per-machine lists are folded away behind the summary.
  await expect(page.getByText(`Every check of every machine (${MACHINES})`)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Checks of raspberrypi-4' })).toBeHidden();

  await checks.onlyProblems.check();
  await expect(checks.matrix.getByRole('row')).toHaveCount(1 + 5);
  await expect(checks.matrix.getByRole('columnheader')).toHaveText(['Machine', 'Memory cgroup']);
  await page.screenshot({ path: join(screenshotDir, 'checks-summary.png') });
  await checks.onlyProblems.uncheck();
  await expect(checks.matrix.getByRole('row')).toHaveCount(MACHINES + 1);

  await wizard.goForwardTo('Firewall');
  await expect(wizard.heading).toHaveText('Firewall');
  // One row per machine (the connections it must accept, by state) instead of a 30-box picture.
  const byMachine = page.getByRole('table', { name: 'Connections by machine' });
  await expect(byMachine.getByRole('row')).toHaveCount(MACHINES + 1);
  await expect(byMachine.getByRole('row').filter({ hasText: 'control' })).toBeVisible();
  await page.screenshot({ path: join(screenshotDir, 'firewall-summary.png') });
  await wizard.goForwardTo('Review');
  await expect(wizard.heading).toHaveText('Review');
  await expect(wizard.review.host('raspberrypi-29')).toBeVisible();
});
