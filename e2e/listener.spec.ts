// #19.1, #19.3: the Cluster step's listener options and node naming, as a user sets them; the
// certificate check in Go's words, and the Review step's commands following the choices.
import { expect, test } from './fixtures';

test.beforeEach(async ({ wizard }) => {
  await wizard.hosts.add({ address: '192.168.1.10', user: 'pi' });
  await wizard.hosts.add({ address: '192.168.1.11', user: 'pi' });
  await wizard.page.getByLabel('Node name of 192.168.1.10').fill('control');
  await wizard.page.getByLabel('Node name of 192.168.1.11').fill('worker');
  await wizard.goForwardTo('Cluster');
});

test('explains each listener option and offers only what a machine’s role takes', async ({ wizard }) => {
  const { cluster, page } = wizard;
  for (const term of [
    'API endpoint',
    'Bind address',
    'Listen port',
    'Advertise address and port',
    'TLS names',
    'External IP',
  ])
    await expect(page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) })).toBeVisible();
  await expect(page.getByText(/a load balancer or virtual IP in front of the servers/)).toBeVisible();
  await expect(page.getByText(/fail with “x509: certificate is valid for …”/)).toBeVisible();
  await expect(cluster.listenerField('Bind address', 'control')).toBeVisible();
  await expect(cluster.listenerField('External IP', 'worker')).toBeVisible();
  await expect(cluster.listenerField('Bind address', 'worker')).toHaveCount(0);
  await expect(cluster.listenerField('TLS names', 'worker')).toHaveCount(0);
  await expect(cluster.nodeNaming(/^Node names from the Hosts step/)).toBeChecked();
  await expect(page.getByText(/a reinstall makes a new id, so a new node/)).toBeVisible();
});

test('an endpoint not in the certificate is refused with the x509 reason until it is a TLS name', async ({
  wizard,
}) => {
  const { cluster } = wizard;
  await cluster.apiPort.fill('46443');
  await cluster.endpoint.fill('192.168.1.200');
  await expect(cluster.problems).toHaveText(
    'Problem: kubectl (the kubeconfig) and joining nodes would dial 192.168.1.200, which is not in control’s certificate, and fail with “x509: certificate is valid for 127.0.0.1, ::1, 10.43.0.1, 192.168.1.10, not 192.168.1.200”. Add 192.168.1.200 to the TLS names (control’s own, or the cluster’s), or dial an address the certificate has.',
  );
  await expect(wizard.nextButton).toBeDisabled();
  await expect(wizard.nextBlocked).toHaveText('Fix “API listener and node names” above to continue.');
  await cluster.listenerField('TLS names', 'control').fill('192.168.1.200');
  await expect(cluster.problems).toHaveCount(0);
  await cluster.nodeNaming(/^Host name plus a random id/).check();
  await wizard.goForwardTo('Review');
  const { review } = wizard;
  await expect(review.host('control')).toContainText('https-listen-port: 46443');
  await expect(review.host('control')).toContainText('- 192.168.1.200');
  await expect(review.host('worker')).toContainText('server: https://192.168.1.200:46443');
  await expect(review.host('worker')).toContainText('with-node-id: true');
  await expect(review.host('worker')).not.toContainText('node-name:');
  await expect(review.joinSection).toContainText('K3S_URL=https://192.168.1.200:46443');
});

test('a bad listener value says what is wrong next to the machine, and blocks going on', async ({
  wizard,
}) => {
  const { cluster, page } = wizard;
  await cluster.listenerField('Bind address', 'control').fill('eth0');
  await cluster.listenerField('Advertise port', 'control').fill('70000');
  const panel = page.getByRole('group', { name: 'Listener of control' });
  await expect(panel.locator('.issue-error')).toHaveText([
    'Problem: The bind address must be an IP address, not “eth0”.',
    'Problem: The advertise port must be a whole number from 1 to 65535.',
  ]);
  await expect(wizard.nextBlocked).toHaveText('Fix “Listener of control” above to continue.');
  await cluster.listenerField('Bind address', 'control').fill('192.168.1.10');
  await cluster.listenerField('Advertise port', 'control').fill('');
  await expect(cluster.problems).toHaveCount(0);
  await wizard.goForwardTo('Review');
  await expect(wizard.review.host('control')).toContainText('bind-address: 192.168.1.10');
});

test('a server’s own listen port: when to use it, the 10.43.0.1:443 warning at the field, and what follows it', async ({
  wizard,
}) => {
  const { cluster, page } = wizard;
  await expect(
    page.getByText(/where corporate policy allows another port than the cluster’s API port/),
  ).toBeVisible();
  await expect(cluster.listenerField('Listen port', 'worker')).toHaveCount(0);
  const port = cluster.listenerField('Listen port', 'control');
  await expect(port).toHaveAttribute('placeholder', '6443');
  const panel = page.getByRole('group', { name: 'Listener of control' });
  // ports it cannot take, said next to the machine
  await port.fill('10250');
  await expect(panel.locator('.issue-error')).toHaveText(
    'Problem: Port 10250 is used by K3s itself (between the nodes); keep the API on 6443, or pick a port K3s does not use.',
  );
  await expect(wizard.nextBlocked).toHaveText('Fix “Listener of control” above to continue.');
  await port.fill('22');
  await expect(panel.locator('.issue-error')).toHaveText(
    'Problem: control’s SSH server listens on port 22: the API cannot listen there too. Pick another port (6443 unless policy says otherwise).',
  );
  await port.fill('46443');
  await expect(cluster.problems).toHaveCount(0);
  await expect(panel.locator('.issue-warning')).toContainText(
    'An API port other than 6443 is known to break in-cluster clients (metrics-server, local-path-provisioner reaching 10.43.0.1:443)',
  );
  // the cluster's port is untouched; the server's own is what everything follows
  await expect(cluster.apiPort).toHaveValue('6443');
  await wizard.goForwardTo('Review');
  const { review } = wizard;
  await expect(review.host('control')).toContainText('https-listen-port: 46443');
  await expect(review.host('worker')).toContainText('server: https://192.168.1.10:46443');
  await expect(review.host('worker')).not.toContainText('https-listen-port');
  await expect(review.joinSection).toContainText('K3S_URL=https://192.168.1.10:46443');
});

test('rootless: said before install that agents cannot join it, with the port rules', async ({ wizard }) => {
  const { page } = wizard;
  await page.getByRole('checkbox', { name: /^Run K3s rootless on control/ }).check();
  const panel = page.getByRole('group', { name: 'Listener of control' });
  await expect(panel.locator('.issue-error')).toContainText(
    'A rootless server runs alone: its networking is detached from the host, so agents and further servers on other machines cannot join it',
  );
  await expect(panel.locator('.issue-warning')).toContainText('(80 → 10080, 443 → 10443)');
  await expect(wizard.nextBlocked).toHaveText('Fix “Listener of control” above to continue.');
  await expect(page.getByRole('checkbox', { name: /^Run K3s rootless on worker/ })).toHaveCount(0);
});
