// A host reboots while a command runs in it through `lab exec` (what another test file's `lab up`
// does to every running host, and what tests do with exec()): the host must come back. With
// nsenter, systemd-shutdown's SIGSTOP of every process stopped nsenter too (it follows its child's
// stops), nobody reaped the killed command, and the kernel kept the host's PID namespace: nspawn
// never exited and the host never came back (the fleet test's HOST_DID_NOT_RETURN).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, exec, labDir, up } from './index';

const NAME = 'lxrb';
const initStart = async () => (await exec(NAME, ['awk', '{print $22}', '/proc/1/stat'])).stdout.trim();

beforeAll(async () => {
  await down([NAME]);
  await up([{ name: NAME, firewall: 'none' }]);
}, 300_000);
afterAll(async () => {
  await down([NAME]);
});

it('comes back from a reboot while a lab exec command runs in it', async () => {
  const before = await initStart();
  const running = exec(NAME, ['sleep', '120'], { timeoutMs: 150_000 });
  await expect
    .poll(async () => (await exec(NAME, ['pgrep', '-x', 'sleep'])).code, { timeout: 20_000 })
    .toBe(0);
  // stopped, as systemd-shutdown stops every process before it kills them (kill(-1, SIGSTOP)), but
  // long enough for the outside waiter to see it: nsenter stopped itself then, every time
  expect((await exec(NAME, ['pkill', '-STOP', '-x', 'sleep'])).code).toBe(0);
  await new Promise((r) => setTimeout(r, 1000));
  await exec(NAME, ['systemctl', 'reboot']);
  await expect
    .poll(async () => (await initStart()) || before, { timeout: 60_000, interval: 500 })
    .not.toBe(before);
  // the command ended with the old boot, and the launcher booted the host again on exit 133
  expect((await running).code).not.toBe(0);
  expect(readFileSync(join(labDir(), 'hosts', NAME, 'boots.log'), 'utf8')).toMatch(/exit 133\n.*boot 2\n/);
}, 120_000);
