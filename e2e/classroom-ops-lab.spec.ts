/**
 * #18 in the browser front, against lab machines, as a teacher runs a lesson from the Classroom
 * screen: four cloned "Pis" (one SD image: every one called raspberrypi, one machine-id, memory
 * cgroup off) in two groups. The preset is made in its form (a bad naming scheme is named as it
 * is typed) and saved as a file; "what will change" first, then the fixes (renames, new
 * machine-ids, the cgroup, reboots in waves) and the re-check make the four distinct; both
 * clusters are built; access is handed out (a student's kubeconfig lists its namespace and is
 * refused the nodes through the real kubectl; the join command is a QR code); after class the
 * namespaces reset cuts the students off, and the uninstall leaves the machines clean.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, screenshotDir, test } from './fixtures';
import { mirror } from './lab/index';
import { labHosts } from './lab-hosts';
import { expectStudentAccess, kubectlWith, remote, rosterText } from '../test-support/lab-setup';
import { ClassroomPage } from './pages/classroom';

const NAMES = ['fco1', 'fco2', 'fco3', 'fco4'];
const work = mkdtempSync(join(tmpdir(), 'k3sw-ops-'));

test.use({ serveEnv: { KUBECONFIG: join(work, 'kube', 'config') } });
test.describe.configure({ mode: 'serial', timeout: 1_500_000 });

const { hosts } = labHosts(
  NAMES.map((name, i) => ({
    name,
    pi: true,
    hostname: 'raspberrypi',
    ...(i > 0 ? { machineIdFrom: NAMES[0] } : {}),
    firewall: 'none' as const,
  })),
);

const kubectl = (kubeconfig: string, args: string[]) =>
  kubectlWith(kubeconfig, args, join(work, 'kubectl-home'));

test('a lesson from the Classroom screen: preset, fixes, build, hand-out, reset', async ({ wizard }) => {
  const { page } = wizard;
  const room = new ClassroomPage(page);
  await room.importRoster(rosterText(hosts, (i) => (i < 2 ? 'a' : 'b')));
  await expect(room.machines('a')).toHaveCount(2);

  // The preset in its form; the problems are named as the teacher types.
  const preset = page.getByRole('group', { name: 'Preset' });
  const m = mirror();
  await preset.getByLabel('Class name').fill('fco');
  await preset.getByLabel('K3s version').fill(m.versions[0]!);
  await preset.getByLabel('Install script URL').fill(m.installScriptUrl);
  await preset.getByLabel('Release mirror URL').fill(m.githubUrl);
  await preset.getByLabel('Channel URL').fill(m.channelUrl);
  await preset.getByLabel('Firewall').selectOption('leave');
  await preset.getByLabel('Disable servicelb').check();
  await preset.getByLabel('Pis rebooted at once').fill('2');
  await preset.getByLabel('Machine names').fill('pi-<group>');
  await expect(preset.getByRole('alert', { name: 'Preset problems' })).toHaveText(
    'naming: The naming scheme needs <n>, e.g. pi-<group>-<n>.',
  );
  await expect(preset.getByRole('button', { name: 'Save the preset file' })).toBeDisabled();
  await preset.getByLabel('Machine names').fill('pi-<group>-<n>');
  await expect(preset.getByRole('status', { name: 'Preset check' })).toHaveText('The preset is valid.');
  const form = room.buildForm;
  await form.getByLabel('User', { exact: true }).fill(hosts[0]!.user);
  await form.getByLabel('Log in with').selectOption('key');
  await form.getByLabel('Key file').fill(hosts[0]!.keyPath);
  await form.getByLabel('Trust machines seen for the first time').check();

  // Saved as a file: the same preset, login included, that `k3s-wizard fleet --preset` reads.
  const saving = page.waitForEvent('download');
  await preset.getByRole('button', { name: 'Save the preset file' }).click();
  const saved = await saving;
  expect(saved.suggestedFilename()).toBe('fco.yaml');
  const savedPath = join(work, 'fco.yaml');
  await saved.saveAs(savedPath);
  expect(parse(readFileSync(savedPath, 'utf8'))).toMatchObject({
    kind: 'ClassroomPreset',
    name: 'fco',
    k3s: { version: m.versions[0] },
    install: { source: 'online', githubUrl: m.githubUrl },
    disable: ['traefik', 'servicelb'],
    firewall: { policy: 'leave' },
    naming: 'pi-<group>-<n>',
    login: { user: hosts[0]!.user, auth: { method: 'key', keyPath: hosts[0]!.keyPath } },
    fixes: { rebootWave: 2 },
  });

  // Opened again (next term's class starts from it): the form shows what the file says.
  await preset.getByLabel('Class name').fill('other');
  await form.getByLabel('Open a preset file').setInputFiles(savedPath);
  await expect(preset.getByLabel('Class name')).toHaveValue('fco');
  await expect(preset.getByLabel('Firewall')).toHaveValue('leave');
  await expect(preset.getByLabel('Disable servicelb')).toBeChecked();
  await expect(preset.getByLabel('Pis rebooted at once')).toHaveValue('2');

  // What the fixes will change, first; nothing is changed yet.
  const fixes = page.getByRole('region', { name: 'Fleet fixes' });
  await fixes.getByRole('button', { name: 'Check what the fixes will change' }).click();
  await expect(fixes.getByRole('status', { name: 'Fixes status' })).toHaveText(
    '4 machines will change (4 reboot, in 2 waves):',
    { timeout: 180_000 },
  );
  const changes = fixes.getByRole('list', { name: 'Changes', exact: true }).getByRole('listitem');
  await expect(changes).toHaveCount(4);
  await expect(changes.nth(1)).toContainText(
    `pi-a-2 (${hosts[1]!.address}): host name raspberrypi → pi-a-2, new machine ID`,
  );
  await expect(changes.nth(1)).toContainText('memory cgroup on');
  await expect(changes.nth(1)).toContainText('[reboot wave 1]');
  await expect(changes.nth(3)).toContainText('[reboot wave 2]');
  expect(await remote('fco2', 'hostname')).toBe('raspberrypi');

  // Fixed, and checked again.
  await fixes.getByRole('button', { name: 'Fix 4 machines' }).click();
  // While the Pis reboot, wave after wave, the machines whose fix has ended are counted.
  await expect(fixes.getByRole('status', { name: 'Fixes progress' })).toContainText(
    /^Fixing: [0-3] of 4 machines done/,
  );
  await expect(fixes.getByRole('status', { name: 'Fixes status' })).toContainText(
    'Fixed 4 machines and checked them again',
    { timeout: 900_000 },
  );
  expect(await Promise.all(NAMES.map((n) => remote(n, 'hostname')))).toEqual([
    'pi-a-1',
    'pi-a-2',
    'pi-b-1',
    'pi-b-2',
  ]);
  const ids = await Promise.all(NAMES.map((n) => remote(n, 'cat /etc/machine-id')));
  expect(new Set(ids).size).toBe(4);
  for (const n of NAMES)
    expect(await remote(n, 'cat /sys/fs/cgroup/cgroup.controllers')).toMatch(/\bmemory\b/);
  // A second look finds nothing to do.
  await fixes.getByRole('button', { name: 'Check what the fixes will change' }).click();
  await expect(fixes.getByRole('status', { name: 'Fixes status' })).toHaveText(
    'Nothing to fix: every machine has its own name and ID, and the memory cgroup.',
    { timeout: 180_000 },
  );

  await room.buildButton.click();
  await expect(room.summary).toHaveText('All 2 clusters are ready (4 machines).', { timeout: 900_000 });

  // Access: a kubeconfig per student, saved from the page; the join command as a QR code.
  const handout = page.getByRole('region', { name: 'Hand out access' });
  await handout.getByLabel('Tokens expire after').fill('45m');
  await handout.getByRole('button', { name: 'Hand out access' }).click();
  const status = handout.getByRole('status', { name: 'Hand-out' });
  await expect(status).toContainText('Access for 2 clusters, expiring in 45m', { timeout: 300_000 });
  const dir = /are in (\S+)\.$/.exec((await status.textContent()) ?? '')?.[1] ?? '';
  expect(statSync(join(dir, 'fco-a', 'student-1.kubeconfig')).mode & 0o777).toBe(0o600);
  expect(statSync(join(dir, 'fco-a', 'join-agent.txt')).mode & 0o777).toBe(0o600);
  const access = handout.getByRole('region', { name: 'Access to fco-a' });
  await expect(access.getByRole('list', { name: 'Kubeconfigs of fco-a' }).getByRole('listitem')).toHaveCount(
    2,
  );
  await expect(
    access.getByRole('img', { name: /^QR code: The command that joins one more machine as pi-a-3$/ }),
  ).toBeVisible();
  await page.screenshot({ path: join(screenshotDir, 'classroom-handout.png'), fullPage: true });
  const downloading = page.waitForEvent('download');
  await access.getByRole('button', { name: 'Save fco-a student-1.kubeconfig' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('fco-a-student-1.kubeconfig');
  const mine = join(work, 'student-1.kubeconfig');
  await download.saveAs(mine);
  expectStudentAccess(expect, mine, join(work, 'kubectl-home'), { own: 'student-1', neighbour: 'student-2' });
  const joinText = readFileSync(join(dir, 'fco-a', 'join-agent.txt'), 'utf8');
  expect(joinText).toMatch(/K3S_TOKEN=K10[0-9a-f]{64}::[0-9a-f]{6}\.[0-9a-f]{16} .*--node-name pi-a-3/);
  expect(joinText).toContain('expires in 45m');
  // The token is in the file, not on the page.
  const token = /token: (\S+)/.exec(readFileSync(mine, 'utf8'))?.[1] ?? '';
  expect(token.length).toBeGreaterThan(20);
  expect(await page.content()).not.toContain(token);

  // One per group instead: the group's namespace.
  await handout.getByLabel('per group').check();
  await handout.getByRole('button', { name: 'Hand out access' }).click();
  await expect(access.getByRole('list', { name: 'Kubeconfigs of fco-a' }).getByRole('listitem')).toHaveText(
    [/^student-group-a/],
    { timeout: 300_000 },
  );

  // After class: the namespaces first; the confirm says what goes.
  const reset = page.getByRole('region', { name: 'Reset after class' });
  await reset.getByLabel('Only the students’ namespaces').check();
  await reset.getByRole('button', { name: 'Reset…' }).click();
  const confirm = reset.getByRole('alertdialog', { name: 'Confirm the reset' });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expect(confirm).toContainText(
    "Delete the students' namespaces (student-1, student-2, student-group-a and the other groups’) and everything in them on fco-a, fco-b",
  );
  await confirm.getByRole('button', { name: 'Delete the namespaces' }).click();
  const results = reset.getByRole('list', { name: 'What the reset left' });
  await expect(results.getByRole('listitem', { name: 'Reset of fco-a' })).toHaveText(
    'fco-a: the students’ namespaces are gone',
    { timeout: 300_000 },
  );
  expect(await remote('fco1', 'k3s kubectl get namespaces -o name')).not.toContain('student-');
  const cut = kubectl(mine, ['get', 'pods']);
  expect(cut.code).toBe(1);
  expect(cut.out).toMatch(/Unauthorized|must be logged in/);

  // Then every cluster uninstalled: nothing is left on the machines.
  await reset.getByLabel('Uninstall every cluster').check();
  await reset.getByRole('button', { name: 'Reset…' }).click();
  await expect(confirm).toContainText('Uninstall K3s from all 4 machines of fco-a, fco-b');
  await confirm.getByRole('button', { name: 'Uninstall every cluster' }).click();
  await expect(results.getByRole('listitem', { name: 'Reset of fco-b' })).toHaveText(
    'fco-b: uninstalled, nothing left on its machines',
    { timeout: 600_000 },
  );
  await expect(results.getByRole('listitem', { name: 'Reset of fco-a' })).toHaveText(
    'fco-a: uninstalled, nothing left on its machines',
  );
  await expect(room.summary).toBeHidden();
  for (const n of NAMES) {
    const left = await remote(
      n,
      'for p in /usr/local/bin/k3s /etc/rancher/k3s /var/lib/rancher/k3s /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service; do [ -e $p ] && echo $p; done; systemctl is-active k3s k3s-agent || true',
    );
    expect(left, n).toBe('inactive\ninactive');
  }
  // The fixes stay: the machines keep their names for next lesson.
  expect(await remote('fco4', 'hostname')).toBe('pi-b-2');
  expect(
    existsSync(join(work, 'kube', 'config')) ? readFileSync(join(work, 'kube', 'config'), 'utf8') : '',
  ).not.toContain('fco-a');
  await page.screenshot({ path: join(screenshotDir, 'classroom-reset.png'), fullPage: true });
});
