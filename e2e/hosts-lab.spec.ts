/**
 * The Hosts step against real machines of the lab: first-contact fingerprints, logins by key
 * and by password with a sudo password, and a changed host key that blocks until re-trusted.
 */
import { expect, test } from './fixtures';
import { exec, type LabHost } from './lab/index';
import { labHosts } from './lab-hosts';

let keyHost: LabHost;
let passwordHost: LabHost;

test.describe.configure({ mode: 'serial', timeout: 180_000 });

labHosts(
  [
    { name: 'e8key', firewall: 'firewalld' },
    { name: 'e8pw', firewall: 'ufw', sudo: 'password', auth: 'password' },
  ],
  {
    mirror: false,
    timeoutMs: 600_000,
    setUp: (up) => {
      [keyHost, passwordHost] = up as [LabHost, LabHost];
    },
  },
);

test('adds a host by key: fingerprint first, then connected with its facts', async ({ wizard }) => {
  const { hosts, page } = wizard;
  await hosts.loginWith.selectOption('key');
  await hosts.keyFile.fill(keyHost.keyPath);
  await hosts.add({ address: keyHost.address, user: keyHost.user });
  const dialog = page.getByRole('dialog', { name: `Trust ${keyHost.address}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(/SHA256:[A-Za-z0-9+/]{43}/);
  await dialog.getByRole('button', { name: 'Trust and connect' }).click();
  await expect(hosts.table).toContainText(`Connected: ${keyHost.hostname}`);
  await expect(hosts.table).toContainText('amd64');
});

test('adds a host by password with a sudo password; nothing secret shows anywhere', async ({ wizard }) => {
  const { hosts, page } = wizard;
  await hosts.loginWith.selectOption('password');
  await wizard.hosts.password.fill(passwordHost.password);
  await wizard.hosts.sudoPassword.fill(passwordHost.password);
  await hosts.add({ address: passwordHost.address, user: passwordHost.user });
  await page.getByRole('dialog').getByRole('button', { name: 'Trust and connect' }).click();
  await expect(hosts.table).toContainText(`Connected: ${passwordHost.hostname}`);
  // The form forgot the secrets, and neither the page nor the back-end log shows them.
  await expect(wizard.hosts.sudoPassword).toHaveValue('');
  await wizard.logToggle.click();
  await expect(wizard.log).toContainText('hosts:probe');
  expect(await page.content()).not.toContain(passwordHost.password);
  // Review knows the sudo password was given: it does not promise to ask for it.
  await wizard.goForwardTo('Review');
  await expect(page.getByRole('main')).toContainText('sudo');
  await expect(page.getByRole('main')).not.toContainText('for a password');
});

test('a wrong password is corrected on its row and tested again', async ({ wizard }) => {
  const { hosts, page } = wizard;
  await hosts.loginWith.selectOption('password');
  await hosts.password.fill('not-the-password');
  await hosts.add({ address: passwordHost.address, user: passwordHost.user });
  await page.getByRole('dialog').getByRole('button', { name: 'Trust and connect' }).click();
  await expect(hosts.row(passwordHost.address)).toContainText('The machine did not accept the login.');

  const form = await hosts.editLogin(passwordHost.address);
  await expect(form.getByLabel('User')).toHaveValue(passwordHost.user);
  await form.getByLabel('Password', { exact: true }).fill(passwordHost.password);
  await form.getByLabel('sudo password', { exact: true }).fill(passwordHost.password);
  await form.getByRole('button', { name: 'Save and test again' }).click();
  await expect(form).toBeHidden();
  await expect(hosts.row(passwordHost.address)).toContainText(`Connected: ${passwordHost.hostname}`);
  await expect(hosts.table.getByRole('row')).toHaveCount(2);
});

test('a changed host key stops the connection until the user re-trusts it', async ({ wizard }) => {
  const { hosts, page } = wizard;
  await hosts.loginWith.selectOption('key');
  await hosts.keyFile.fill(keyHost.keyPath);
  await hosts.add({ address: keyHost.address, user: keyHost.user });
  await page.getByRole('dialog').getByRole('button', { name: 'Trust and connect' }).click();
  await expect(hosts.table).toContainText('Connected:');

  // The machine is "re-flashed": new host keys, and (as after a reboot) every session is gone.
  await exec('e8key', [
    'sh',
    '-c',
    'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A -q && pkill -KILL -x sshd; systemctl restart ssh',
  ]);
  await page.getByRole('button', { name: `Test connection to ${keyHost.address}` }).click();
  const dialog = page.getByRole('dialog', { name: `The identity of ${keyHost.address} has changed` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText('Known key')).toBeVisible();
  const fingerprints = await dialog.locator('code').allTextContents();
  expect(new Set(fingerprints).size).toBe(2);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(hosts.table).toContainText('Not trusted');

  await page.getByRole('button', { name: `Test connection to ${keyHost.address}` }).click();
  await page
    .getByRole('dialog')
    .getByRole('button', { name: 'This machine was re-installed — trust the new key' })
    .click();
  await expect(hosts.table).toContainText(`Connected: ${keyHost.hostname}`);
});
