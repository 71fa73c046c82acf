/**
 * #18.4 in the browser front, against lab machines: a roster of two groups of two amd64
 * machines, a preset (the lab's mirror), a key-file login; every cluster built at once on one
 * dashboard. Machines never seen are refused until their keys are trusted. Then the first
 * cluster's agent has no sshd (its cluster cannot start) and the second cluster's server has its
 * API port blocked (its agent cannot join): each failed machine comes first in its row with what
 * went wrong; a reload catches up. sshd back, "Retry cluster" builds the first cluster, and the
 * one still failing comes first; the port unblocked, "Retry" on that machine finishes it. Each
 * server then lists its own two nodes Ready.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures';
import { exec, fault } from './lab/index';
import { labHosts } from './lab-hosts';
import { rosterText, writePreset } from '../test-support/lab-setup';
import { ClassroomPage } from './pages/classroom';

const NAMES = ['fcb1', 'fcb2', 'fcb3', 'fcb4'];

test.use({ serveEnv: { KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config') } });
test.describe.configure({ mode: 'serial', timeout: 900_000 });

const { hosts } = labHosts(NAMES.map((name) => ({ name, firewall: 'none' as const })));

test('every cluster at once: the failure first, retried after the fault is cleared', async ({ wizard }) => {
  const { page } = wizard;
  const room = new ClassroomPage(page);
  await room.importRoster(rosterText(hosts, (i) => (i < 2 ? 'a' : 'b')));
  await expect(room.machines('a')).toHaveCount(2);
  await expect(room.machines('b')).toHaveCount(2);

  // A preset with a typo is refused by the back end, its problem named.
  const form = room.buildForm;
  await room.preset.fill(
    'apiVersion: k3s-wizard/v1\nkind: ClassroomPreset\nname: fcb\nfirewal: { policy: leave }\n',
  );
  await room.buildButton.click();
  await expect(form.getByRole('alert', { name: 'Build problem' })).toContainText(
    'Unknown setting “firewal”; check its spelling.',
  );
  await expect(room.summary).toBeHidden();

  // The class's preset file, opened: its text, and its login in the login fields.
  const file = join(mkdtempSync(join(tmpdir(), 'k3sw-class-')), 'class.yaml');
  writePreset(file, 'fcb', hosts[0]!, {
    disable: ['traefik'],
    naming: 'pi-<group>-<n>',
    build: { concurrency: 4 },
  });
  await form.getByLabel('Open a preset file').setInputFiles(file);
  await expect(room.preset).toHaveValue(/name: fcb/);
  await expect(form.getByLabel('User', { exact: true })).toHaveValue(hosts[0]!.user);
  await expect(form.getByLabel('Log in with')).toHaveValue('key');
  await expect(form.getByLabel('Key file')).toHaveValue(hosts[0]!.keyPath);

  // Refused first: machines never seen need their keys trusted.
  await room.buildButton.click();
  const row = (cluster: string) => room.row(cluster);
  await expect(room.cells('fcb-a').first().getByRole('alert')).toContainText(
    /could not be checked: .* is new: its \S+ key has the fingerprint SHA256:/,
    { timeout: 120_000 },
  );
  await expect(room.summary).toContainText('2 of 2 clusters did not finish');

  // Two faults: the first cluster's agent has lost its sshd (it cannot be checked, so its
  // cluster cannot start), and something between the machines blocks the second cluster's API
  // port (its agent cannot join).
  await fault.killSshd('fcb2');
  await fault.blockPort('fcb3', 6443);
  await form.getByLabel('Trust machines seen for the first time').check();
  await room.buildButton.click();
  await expect(room.summary).toContainText('Building 2 clusters, 4 machines at a time', { timeout: 120_000 });
  await expect(room.summary).toContainText('2 of 2 clusters did not finish (fcb-b, fcb-a)', {
    timeout: 600_000,
  });
  // In each row the failed machine comes first, with what went wrong.
  await expect(room.cells('fcb-a').nth(0)).toHaveAccessibleName('pi-a-2: Failed');
  await expect(room.cells('fcb-a').nth(0).getByRole('alert')).toContainText(
    `could not be checked: ${hosts[1]!.address}`,
  );
  await expect(room.cells('fcb-a').nth(1)).toHaveAccessibleName('pi-a-1: Blocked');
  await expect(room.cells('fcb-b').nth(0)).toHaveAccessibleName('pi-b-2: Failed');
  await expect(room.cells('fcb-b').nth(0).getByRole('alert')).toContainText('6443');
  await expect(room.cells('fcb-b').nth(1)).toHaveAccessibleName('pi-b-1: Ready');
  await page.screenshot({ path: join(screenshotDir, 'classroom-build-failed.png'), fullPage: true });

  // A reload catches up with the back end's dashboard; the tab keeps the roster and the preset.
  await page.reload();
  await room.open.click();
  await expect(room.machines('b')).toHaveCount(2);
  await expect(room.preset).toHaveValue(/name: fcb/);
  await expect(room.summary).toContainText('2 of 2 clusters did not finish (fcb-b, fcb-a)');
  await expect(room.cells('fcb-b').nth(0)).toHaveAccessibleName('pi-b-2: Failed');

  // sshd back: the first cluster is retried as a whole (checked again, then built); the one
  // still failing is now shown first.
  await fault.startSshd('fcb2');
  await row('fcb-a').getByRole('button', { name: 'Retry cluster fcb-a' }).click();
  await expect(room.summary).toContainText('1 of 2 clusters did not finish (fcb-b)', { timeout: 600_000 });
  await expect(room.rows.first()).toHaveAccessibleName('Build of fcb-b');
  await expect(room.rows.nth(1)).toHaveAccessibleName('Build of fcb-a');
  await expect(row('fcb-a').getByRole('heading')).toContainText('Ready');
  await expect(room.cells('fcb-a').nth(0)).toHaveAccessibleName('pi-a-1: Ready');
  await expect(room.cells('fcb-a').nth(1)).toHaveAccessibleName('pi-a-2: Ready');
  await expect(room.cells('fcb-b').nth(0)).toHaveAccessibleName('pi-b-2: Failed');

  // The port unblocked, the one machine is retried: only its failed steps run again.
  await fault.unblockPort('fcb3', 6443);
  await room.cell('fcb-b', 'pi-b-2').getByRole('button', { name: 'Retry pi-b-2' }).click();
  await expect(room.summary).toHaveText('All 2 clusters are ready (4 machines).', { timeout: 600_000 });
  await expect(room.cells('fcb-b').nth(0)).toHaveAccessibleName('pi-b-1: Ready');
  await expect(room.cells('fcb-b').nth(1)).toHaveAccessibleName('pi-b-2: Ready');
  await page.screenshot({ path: join(screenshotDir, 'classroom-build-ready.png'), fullPage: true });

  // On the machines: each server lists its own two nodes, Ready.
  for (const [server, nodes] of [
    ['fcb1', ['pi-a-1', 'pi-a-2']],
    ['fcb3', ['pi-b-1', 'pi-b-2']],
  ] as const) {
    await expect(async () => {
      const r = await exec(server, ['k3s', 'kubectl', 'get', 'nodes', '--no-headers']);
      expect(r.code, r.stderr).toBe(0);
      const ready = r.stdout
        .trim()
        .split('\n')
        .filter((line) => /\sReady\s/.test(line))
        .map((line) => line.split(/\s+/)[0])
        .sort();
      expect(ready).toEqual([...nodes]);
    }).toPass({ timeout: 120_000 });
  }
});
