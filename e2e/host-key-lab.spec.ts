/**
 * The host-key dialog against a real machine of the lab: a first contact names the offered key
 * type; a machine known by its ed25519 key that then offers only another type is shown as that
 * (known and offered keys with their types and fingerprints), never as a first connection; a key
 * marked @revoked in ~/.ssh/known_hosts cannot be trusted from the dialog.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { down, exec, up, type LabHost } from './lab/index';

let host: LabHost;
let revokedHost: LabHost;
// The back end's home for the revoked test: its ~/.ssh/known_hosts is written once the host is up.
const home = mkdtempSync(join(tmpdir(), 'k3sw-e2e-home-'));

test.describe.configure({ mode: 'serial', timeout: 180_000 });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  [host, revokedHost] = (await up([{ name: 'f3key' }, { name: 'f3rev' }])) as [LabHost, LabHost];
});

test.afterAll(async () => {
  await down(['f3key', 'f3rev']);
});

const fingerprint = /SHA256:[A-Za-z0-9+/]{43}/;

test('a host known by ed25519 that offers only another key type is a mismatch, never a first contact', async ({
  wizard,
}) => {
  const { hosts, page } = wizard;
  await hosts.loginWith.selectOption('key');
  await hosts.keyFile.fill(host.keyPath);
  await hosts.add({ address: host.address, user: host.user });
  const first = page.getByRole('dialog', { name: `Trust ${host.address}?` });
  await expect(first).toContainText('This is the first connection to this machine');
  await expect(first).toContainText('ssh-ed25519 key fingerprint');
  await expect(first).toContainText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  const known = (await first.locator('code').textContent()) ?? '';
  expect(known).toMatch(fingerprint);
  await first.getByRole('button', { name: 'Trust and connect' }).click();
  await expect(hosts.table).toContainText(`Connected: ${host.hostname}`);

  // The ed25519 key is gone: the machine (or someone in the way) offers only its other keys.
  await exec('f3key', [
    'sh',
    '-c',
    'rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub && pkill -KILL -x sshd; systemctl restart ssh',
  ]);
  await page.getByRole('button', { name: `Test connection to ${host.address}` }).click();
  const dialog = page.getByRole('dialog', { name: `${host.address} offers another kind of host key` });
  await expect(dialog).toBeVisible();
  await expect(dialog).not.toContainText('first connection');
  await expect(dialog).toContainText('k3s-wizard has met this machine before');
  await expect(dialog).toContainText('knows this machine by its ssh-ed25519 key');
  // Known: the ed25519 key, with its type; offered: the other type, with its fingerprint.
  const knownRow = dialog.getByRole('definition').filter({ hasText: 'ssh-ed25519' });
  await expect(knownRow).toContainText(known);
  const offeredTerm = await dialog
    .getByRole('term')
    .filter({ hasText: /^Offered / })
    .textContent();
  const offeredType = /^Offered (\S+) key$/.exec(offeredTerm ?? '')?.[1] ?? '';
  expect(offeredType).toMatch(/^(ecdsa-sha2-nistp256|ssh-rsa|rsa-sha2-(256|512))$/);
  const fingerprints = await dialog.locator('code').allTextContents();
  expect(fingerprints).toHaveLength(2);
  expect(fingerprints[0]).toBe(known);
  expect(fingerprints[1]).toMatch(fingerprint);
  expect(fingerprints[1]).not.toBe(known);
  // What the host really offers, read on the machine, is what the dialog shows.
  const onHost = await exec('f3key', [
    'sh',
    '-c',
    'for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$f"; done',
  ]);
  expect(onHost.stdout).toContain(fingerprints[1]);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(hosts.row(host.address)).toContainText('Not trusted');

  await page.getByRole('button', { name: `Test connection to ${host.address}` }).click();
  await page
    .getByRole('dialog', { name: `${host.address} offers another kind of host key` })
    .getByRole('button', { name: 'This machine was re-installed — trust the new key' })
    .click();
  await expect(hosts.table).toContainText(`Connected: ${host.hostname}`);
});

test.describe('with the host keys marked @revoked in ~/.ssh/known_hosts', () => {
  test.use({ serveEnv: { HOME: home } });

  test('the dialog says so and offers no way to trust it', async ({ wizard }) => {
    const keys = await exec('f3rev', ['sh', '-c', 'cat /etc/ssh/ssh_host_*_key.pub']);
    const lines = keys.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ').slice(0, 2).join(' '))
      .map((key) => `@revoked ${revokedHost.address} ${key}`);
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    writeFileSync(join(home, '.ssh', 'known_hosts'), `${lines.join('\n')}\n`, { mode: 0o600 });

    const { hosts, page } = wizard;
    await hosts.loginWith.selectOption('key');
    await hosts.keyFile.fill(revokedHost.keyPath);
    await hosts.add({ address: revokedHost.address, user: revokedHost.user });
    const dialog = page.getByRole('dialog', { name: `The host key of ${revokedHost.address} is revoked` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(`marked @revoked in ${join(home, '.ssh', 'known_hosts')}`);
    await expect(dialog).not.toContainText('first connection');
    await expect(dialog.locator('code')).toHaveText(fingerprint);
    await expect(dialog.getByRole('button', { name: /trust/i })).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(hosts.row(revokedHost.address)).toContainText(
      'Not trusted: the key it offers is marked @revoked',
    );
  });
});
