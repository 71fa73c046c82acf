/**
 * #18.4 in the browser front, against lab machines: a roster of two groups of two amd64
 * machines, a preset (the lab's mirror), a key-file login; every cluster built at once on one
 * dashboard. The second cluster's server has its API port blocked (not by a firewall the app
 * manages), so its agent cannot join: that cluster is shown first, the agent's cell first with
 * what went wrong. The port unblocked, "Retry" on that machine finishes it; each server then
 * lists its two nodes Ready.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { expect, screenshotDir, test } from './fixtures';
import { down, ensureMirror, exec, fault, mirror, up, type LabHost } from './lab/index';
import { ClassroomPage } from './pages/classroom';

const NAMES = ['fcb1', 'fcb2', 'fcb3', 'fcb4'];
let hosts: LabHost[];

test.use({ serveEnv: { KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'k3sw-kube-')), 'config') } });
test.describe.configure({ mode: 'serial', timeout: 900_000 });

test.beforeAll(async () => {
  test.setTimeout(900_000);
  await ensureMirror();
  await down(NAMES);
  hosts = await up(NAMES.map((name) => ({ name, firewall: 'none' as const })));
});

test.afterAll(async () => {
  await fault.unblockPort('fcb3', 6443).catch(() => undefined);
  await down(NAMES);
});

test('every cluster at once: the failure first, retried after the fault is cleared', async ({ wizard }) => {
  const { page } = wizard;
  const room = new ClassroomPage(page);
  await room.open.click();
  await room.roster.fill(
    ['address,group', ...hosts.map((h, i) => `${h.address},${i < 2 ? 'a' : 'b'}`)].join('\n') + '\n',
  );
  await room.importButton.click();
  await expect(room.machines('a')).toHaveCount(2);
  await expect(room.machines('b')).toHaveCount(2);

  const m = mirror();
  await room.preset.fill(
    stringify({
      apiVersion: 'k3s-wizard/v1',
      kind: 'ClassroomPreset',
      name: 'fcb',
      k3s: { version: m.versions[0] },
      install: {
        source: 'online',
        scriptUrl: m.installScriptUrl,
        githubUrl: m.githubUrl,
        channelUrl: m.channelUrl,
      },
      disable: ['traefik'],
      firewall: { policy: 'leave' },
      naming: 'pi-<group>-<n>',
      build: { concurrency: 4 },
    }),
  );
  const form = room.buildForm;
  await form.getByLabel('User', { exact: true }).fill(hosts[0]!.user);
  await form.getByLabel('Log in with').selectOption('key');
  await form.getByLabel('Key file').fill(hosts[0]!.keyPath);

  // Refused first: machines never seen need their keys trusted.
  await room.buildButton.click();
  const row = (cluster: string) => room.row(cluster);
  await expect(room.cells('fcb-a').first().getByRole('alert')).toContainText(
    /could not be checked: .* is new: its \S+ key has the fingerprint SHA256:/,
    { timeout: 120_000 },
  );
  await expect(room.summary).toContainText('2 of 2 clusters did not finish');

  // Something between the machines blocks the second cluster's API port.
  await fault.blockPort('fcb3', 6443);
  await form.getByLabel('Trust machines seen for the first time').check();
  await room.buildButton.click();
  await expect(room.summary).toContainText('Building 2 clusters, 4 machines at a time', { timeout: 120_000 });

  // The failure comes first: cluster b above a, its agent first in its row, with the reason.
  await expect(room.summary).toContainText('1 of 2 clusters did not finish (fcb-b)', { timeout: 600_000 });
  await expect(room.rows.first()).toHaveAccessibleName('Build of fcb-b');
  await expect(row('fcb-a').getByRole('heading')).toContainText('Ready');
  await expect(room.cells('fcb-a').nth(0)).toHaveAccessibleName('pi-a-1: Ready');
  await expect(room.cells('fcb-a').nth(1)).toHaveAccessibleName('pi-a-2: Ready');
  await expect(room.cells('fcb-b').first()).toHaveAccessibleName('pi-b-2: Failed');
  await expect(room.cells('fcb-b').first().getByRole('alert')).toContainText('6443');
  await expect(room.cells('fcb-b').nth(1)).toHaveAccessibleName('pi-b-1: Ready');
  await page.screenshot({ path: join(screenshotDir, 'classroom-build-failed.png'), fullPage: true });

  // The fault cleared, the one machine is retried; nothing else runs again.
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
