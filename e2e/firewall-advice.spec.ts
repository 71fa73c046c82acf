// #19.6: the Firewall step shows the K3s documentation's minimum beside what the app does
// instead, and quotes "turn the firewall off" with its risk; both follow the cluster's options.
import { expect, test } from './fixtures';

test.beforeEach(async ({ wizard }) => {
  await wizard.hosts.add({ address: '192.168.1.10', user: 'pi' });
  await wizard.hosts.add({ address: '192.168.1.11', user: 'pi' });
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.apiPort.fill('46443');
  await wizard.goForwardTo('Firewall');
});

test('the documented minimum, what the app does instead and why, and the off switch’s risk', async ({
  wizard,
}) => {
  const { page } = wizard;
  await expect(page.getByLabel('Documented minimum for firewalld')).toHaveText(
    [
      'firewall-cmd --permanent --add-port=46443/tcp',
      'firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16',
      'firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16',
      'firewall-cmd --reload',
    ].join('\n'),
  );
  await expect(page.getByLabel('Documented minimum for ufw')).toContainText(
    'ufw allow from 10.43.0.0/16 to any',
  );
  const instead = page.getByRole('list', { name: 'What this app does instead' });
  await expect(instead).toContainText('The API port 46443/tcp from anyone.');
  await expect(instead).toContainText(
    '8472/udp (VXLAN), 10250/tcp (kubelet): only from the cluster’s own machines',
  );
  await expect(instead).toContainText('The NodePort range (30000-32767) stays closed');
  await expect(page.getByText(/VXLAN is never open to the world/)).toBeVisible();
  await expect(page.getByRole('radio', { name: /^Turn the firewall off/ })).toHaveAccessibleName(
    /systemctl disable firewalld --now.*every service on the machine becomes reachable by anyone on its network/,
  );
});

test('asking for NodePorts on the Cluster step changes what the app will open', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.step('Cluster').click();
  await page.getByRole('checkbox', { name: /Open the NodePort range/ }).check();
  await wizard.goForwardTo('Firewall');
  await expect(page.getByRole('list', { name: 'What this app does instead' })).toContainText(
    'The NodePort range 30000-32767 from anyone, because you asked for it.',
  );
});
