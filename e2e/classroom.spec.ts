/**
 * A classroom of 30 machines (one server, 29 Raspberry Pis that all call themselves
 * "raspberrypi", five without the memory cgroup) through Hosts → Checks → Firewall → Review.
 * The machines' probe results are put in this tab's saved draft, as a reload would restore
 * them, so no machine is dialled.
 */
import { join } from 'node:path';
import type { HostFacts } from '../shared/facts';
import { makeFacts } from '../test-support/shared/spec';
import { expect, test } from './fixtures';
import { ChecksStepPage } from './pages/checks-step';

const ROOT = join(import.meta.dirname, '..');
const MACHINES = 30;

function classroom() {
  const hosts = [];
  const facts: Record<string, HostFacts> = {};
  for (let i = 0; i < MACHINES; i++) {
    const address = `10.1.0.${i + 1}`;
    const pi = i > 0;
    const id = `pi@${address}:22`;
    hosts.push({
      id,
      address,
      port: 22,
      user: 'pi',
      auth: 'agent',
      keyPath: '',
      role: pi ? 'agent' : 'server',
      nodeName: pi ? `raspberrypi-${i}` : 'control',
    });
    facts[id] = pi
      ? makeFacts(
          address,
          {
            hostname: 'raspberrypi',
            raspberryPi: { model: 'Raspberry Pi 4 Model B', cmdlinePath: '/boot/firmware/cmdline.txt' },
            cgroup: { version: 2, memory: i % 6 !== 3 },
          },
          'arm64',
        )
      : makeFacts(address, { hostname: 'control' });
  }
  return { hosts, facts };
}

test('30 machines: Checks summarises machines × checks, filters problems, and offers the bulk fix', async ({
  wizard,
}) => {
  test.setTimeout(120_000);
  const { page } = wizard;
  // A first host makes the tab save its draft; the classroom then replaces it, as if restored.
  await wizard.hosts.add({ address: '10.1.0.1', user: 'pi' });
  await expect
    .poll(() => page.evaluate(() => sessionStorage.getItem('k3s-wizard-draft') ?? ''))
    .toContain('10.1.0.1');
  await page.evaluate((room) => {
    const draft = JSON.parse(sessionStorage.getItem('k3s-wizard-draft') ?? '{}') as { state: object };
    draft.state = { ...draft.state, ...room, step: 'hosts', reached: ['hosts'] };
    sessionStorage.setItem('k3s-wizard-draft', JSON.stringify(draft));
  }, classroom());
  await page.reload();
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
  await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'checks-summary.png') });
  await checks.onlyProblems.uncheck();
  await expect(checks.matrix.getByRole('row')).toHaveCount(MACHINES + 1);

  await wizard.goForwardTo('Firewall');
  await expect(wizard.heading).toHaveText('Firewall');
  await wizard.goForwardTo('Review');
  await expect(wizard.heading).toHaveText('Review');
  await expect(wizard.review.host('raspberrypi-29')).toBeVisible();
});
