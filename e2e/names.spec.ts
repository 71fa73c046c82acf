/** Names the user meets: the cluster's (unique among saved clusters and kubeconfig contexts) and the nodes'. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { expect, test } from './fixtures';

const kubeDir = mkdtempSync(join(tmpdir(), 'k3sw-kube-names-'));
const kubeconfig = join(kubeDir, 'config');
writeFileSync(
  kubeconfig,
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'homelab', cluster: { server: 'https://10.9.9.9:6443' } }],
    users: [{ name: 'homelab', user: {} }],
    contexts: [{ name: 'homelab', context: { cluster: 'homelab', user: 'homelab' } }],
  }),
  { mode: 0o600 },
);
test.use({ serveEnv: { KUBECONFIG: kubeconfig } });

test('a new cluster does not take a name its kubeconfig already has', async ({ wizard }) => {
  await wizard.hosts.add({ address: '192.168.1.40', user: 'pi' });
  await wizard.goForwardTo('Cluster');
  await expect(wizard.cluster.name).toHaveValue('homelab-2');
  await wizard.cluster.name.fill('homelab');
  await expect(wizard.cluster.problems).toContainText(
    `${kubeconfig} already has a context “homelab” (another cluster). Use another name, for example “homelab-2”.`,
  );
  await expect(wizard.nextButton).toBeDisabled();
  await expect(wizard.nextBlocked).toHaveText('Fix “Name” above to continue.');
  await wizard.page.getByRole('button', { name: 'Use “homelab-2”' }).click();
  await expect(wizard.cluster.name).toHaveValue('homelab-2');
  await expect(wizard.nextButton).toBeEnabled();
});

test('a second cluster is not called like the first, checked as you type', async ({ wizard }) => {
  const { page } = wizard;
  await wizard.hosts.add({ address: '192.168.1.41', user: 'pi' });
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.name.fill('school');
  await expect(page.getByRole('banner').getByRole('status')).toHaveText('Saved as school');
  await page.getByRole('button', { name: 'Saved clusters' }).click();
  await page
    .getByRole('dialog', { name: 'Saved clusters' })
    .getByRole('button', { name: 'New cluster' })
    .click();
  await wizard.hosts.add({ address: '192.168.1.42', user: 'pi' });
  await wizard.goForwardTo('Cluster');
  await wizard.cluster.name.fill('schoo');
  await expect(wizard.cluster.problems).toHaveCount(0);
  await wizard.cluster.name.press('End');
  await wizard.cluster.name.press('l');
  await expect(wizard.cluster.problems).toContainText(
    'Another saved cluster is already called “school”. Use another name, for example “school-2”.',
  );
  await expect(wizard.nextButton).toBeDisabled();
  await page.getByRole('button', { name: 'Use “school-2”' }).click();
  await expect(page.getByRole('banner').getByRole('status')).toHaveText('Saved as school-2');
  await page.getByRole('button', { name: 'Saved clusters' }).click();
  const dialog = page.getByRole('dialog', { name: 'Saved clusters' });
  await expect(dialog.getByRole('listitem')).toHaveCount(2);
  await expect(dialog.getByRole('listitem').filter({ hasText: 'school-2 ·' })).toHaveCount(1);
});

test('an invalid node name blocks Next and says where', async ({ wizard }) => {
  await wizard.hosts.add({ address: '192.168.1.43', user: 'pi' });
  const nodeName = wizard.page.getByLabel('Node name of 192.168.1.43');
  await nodeName.fill('my pi 1');
  await expect(wizard.hosts.table).toContainText('“my pi 1” is not a valid node name');
  await expect(wizard.nextButton).toBeDisabled();
  await expect(wizard.nextBlocked).toHaveText('Fix “Node name of 192.168.1.43” above to continue.');
  await nodeName.fill('my-pi-1');
  await expect(wizard.nextButton).toBeEnabled();
});

test('without an SSH agent the wizard says so and offers a key file or a password on the row', async ({
  wizard,
}) => {
  const { hosts } = wizard;
  // The back end of these tests runs without SSH_AUTH_SOCK (see fixtures.ts).
  await expect(hosts.form.getByRole('status')).toContainText('No SSH agent is running for k3s-wizard');
  // Port 1 on this computer: nothing listens, so no packet leaves for a real machine.
  await hosts.add({ address: '127.0.0.1', port: 1, user: 'pi' });
  const row = hosts.row('127.0.0.1:1');
  await expect(row).toContainText('No SSH agent is running for k3s-wizard (SSH_AUTH_SOCK is not set)');
  await expect(row).not.toContainText('did not accept the login');
  await row.getByRole('button', { name: 'Use a password for 127.0.0.1' }).click();
  const form = hosts.loginForm('127.0.0.1');
  await expect(form.getByLabel('Log in with')).toHaveValue('password');
  await form.getByLabel('Password', { exact: true }).fill('a-password');
  await form.getByRole('button', { name: 'Save and test again' }).click();
  await expect(form).toBeHidden();
  await expect(row.getByRole('cell', { name: 'Password', exact: true })).toBeVisible();
  await expect(row).not.toContainText('No SSH agent');
  await expect(hosts.table.getByRole('row')).toHaveCount(2);
});

test('login details can be set for a selection of machines at once', async ({ wizard }) => {
  const { hosts, page } = wizard;
  // Ports on this computer where nothing listens: no packet leaves for a real machine.
  for (const port of [1, 2, 3]) await hosts.add({ address: '127.0.0.1', port, user: 'pi' });
  await page.getByRole('checkbox', { name: 'Select 127.0.0.1' }).nth(0).check();
  await page.getByRole('checkbox', { name: 'Select 127.0.0.1' }).nth(2).check();
  await page.getByRole('button', { name: 'Set login for 2 selected' }).click();
  const form = page.getByRole('form', { name: 'Login for 2 selected machines' });
  await form.getByLabel('User').fill('student');
  await form.getByLabel('Log in with').selectOption('password');
  await form.getByLabel('Password', { exact: true }).fill('classroom-pw');
  await form.getByRole('button', { name: 'Save and test again' }).click();
  await expect(form).toBeHidden();
  await expect(hosts.row('127.0.0.1:1')).toContainText('student');
  await expect(hosts.row('127.0.0.1:3')).toContainText('student');
  await expect(hosts.row('127.0.0.1:2')).not.toContainText('student');
  await expect(hosts.row('127.0.0.1:3').getByRole('cell', { name: 'Password', exact: true })).toBeVisible();
  await expect(page.getByText('classroom-pw')).toHaveCount(0);
});
