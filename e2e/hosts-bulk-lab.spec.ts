/**
 * Adding several machines at once: a pasted list, and hosts imported from ~/.ssh/config (the
 * back end gets its own HOME here, so the real one is never read or written).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { down, up, type LabHost } from './lab/index';

const home = mkdtempSync(join(tmpdir(), 'k3sw-home-'));
let hosts: LabHost[];

test.use({ serveEnv: { HOME: home } });
test.describe.configure({ mode: 'serial', timeout: 180_000 });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  hosts = await up([{ name: 'e8b1' }, { name: 'e8b2' }, { name: 'e8b3' }]);
  const third = hosts[2]!;
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  writeFileSync(
    join(home, '.ssh', 'config'),
    `Host classroom-pi\n  HostName ${third.address}\n  User ${third.user}\n  IdentityFile ${third.keyPath}\n\nHost *\n  ServerAliveInterval 30\n`,
  );
});

test.afterAll(async () => {
  await down(['e8b1', 'e8b2', 'e8b3']);
});

test('adds a pasted list and a host imported from ~/.ssh/config', async ({ wizard }) => {
  const { page } = wizard;
  const [a, b, c] = hosts as [LabHost, LabHost, LabHost];
  await page.getByText('Add several machines').click();
  await page.getByLabel('Machines, one per line').fill(`${a.user}@${a.address}\n${b.address}\n300.1.1.1`);
  await page.getByLabel('User when not given').fill(b.user);
  await page.getByLabel('Log in all with').selectOption('key');
  await page.getByLabel('Key file for all').fill(a.keyPath);
  await page.getByRole('button', { name: 'Add these machines' }).click();
  await expect(page.getByText('Line 3 (300.1.1.1):')).toBeVisible();
  // One question per new machine, in the order their keys arrive: each is answered once, and
  // the next is looked for only when that one is gone (a click on it while it closes is lost).
  for (let i = 0; i < 2; i++) {
    const title = (await page.getByRole('dialog').getByRole('heading').first().textContent()) ?? '';
    const question = page.getByRole('dialog', { name: title });
    await question.getByRole('button', { name: 'Trust and connect' }).click();
    await expect(question).toBeHidden();
  }
  await expect(wizard.hosts.table).toContainText(`Connected: ${a.hostname}`);
  await expect(wizard.hosts.table).toContainText(`Connected: ${b.hostname}`);

  await page.getByRole('button', { name: 'Import from ~/.ssh/config' }).click();
  const imported = page.getByRole('group', { name: 'Hosts in ~/.ssh/config' });
  await expect(
    imported.getByRole('checkbox', { name: new RegExp(`^classroom-pi — lab@${c.address}`) }),
  ).toBeChecked();
  await imported.getByRole('button', { name: 'Add 1 selected' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Trust and connect' }).click();
  await expect(wizard.hosts.table).toContainText(`Connected: ${c.hostname}`);
  await expect(wizard.hosts.table.getByRole('row')).toHaveCount(4);
});
