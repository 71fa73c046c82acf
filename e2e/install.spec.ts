import { expect, test } from './fixtures';

test('before the first run, Install offers one Install button and says what it will do', async ({
  wizard,
}) => {
  const { page } = wizard;
  await wizard.hosts.add({ address: '192.168.1.50', user: 'pi' });
  await wizard.hosts.add({ address: '192.168.1.51', user: 'pi' });
  await wizard.goForwardTo('Install');
  await expect(wizard.heading).toHaveText('Install');
  await expect(wizard.installButton).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run again' })).toHaveCount(0);
  await expect(page.getByRole('main')).toContainText(
    /Install runs the \d+ steps shown on the Review step on 2 machines: K3s on node-1 first, then node-2 joins it\./,
  );
  await expect(page.getByRole('main').getByRole('status')).toHaveText('Nothing has been installed yet.');
  await expect(wizard.nextButton).toBeDisabled();
  await expect(wizard.nextBlocked).toHaveText('Install the cluster to continue.');
});
