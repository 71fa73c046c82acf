/**
 * The uidmap package (newuidmap, newgidmap) on a lab host, as `apt-get install uidmap` would
 * bring it: the hosts reach no Debian mirror, so the packages are fetched on this computer
 * (same release, amd64) once, kept in the lab's folder, and installed on the host with dpkg.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exec, labDir } from './index';

const run = promisify(execFile);
// uidmap and the one dependency a Debian base lacks, in install order
const PACKAGES = ['libsubid4', 'uidmap'];

export async function installUidmap(host: string): Promise<void> {
  const dir = join(labDir(), 'debs');
  mkdirSync(dir, { recursive: true });
  const find = (p: string) => readdirSync(dir).find((f) => f.startsWith(`${p}_`) && f.endsWith('_amd64.deb'));
  const missing = PACKAGES.filter((p) => !find(p));
  if (missing.length) await run('apt-get', ['download', ...missing], { cwd: dir });
  for (const p of PACKAGES) {
    const deb = find(p);
    if (!deb)
      throw new Error(`apt-get download ${p} left no .deb in ${dir}: this computer needs a Debian mirror`);
    const r = await exec(host, ['sh', '-c', 'base64 -d > /tmp/p.deb && dpkg -i /tmp/p.deb'], {
      stdin: readFileSync(join(dir, deb)).toString('base64'),
    });
    if (r.code !== 0) throw new Error(`dpkg -i ${deb} on ${host}: ${r.stderr}`);
  }
}

/** The fixes the rootless checks name, as a user runs them: delegation, lingering, newuidmap. */
export async function fixRootless(host: string, user = 'lab'): Promise<void> {
  for (const command of [
    "mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload",
    `loginctl enable-linger ${user}`,
  ]) {
    const r = await exec(host, ['sh', '-c', command]);
    if (r.code !== 0) throw new Error(`${command} on ${host}: ${r.stderr}`);
  }
  await installUidmap(host);
}
