/** Shared by the lab tests of electron/ssh and electron/probe: real hosts, real keys. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lab from '../../e2e/lab';
import { HostKeyPolicy } from '../../electron/ssh/host-key-policy';
import { fingerprintOf, KnownHosts } from '../../electron/ssh/known-hosts';

/** The host's ed25519 public key blob, read as root inside the host (not over SSH). */
export async function hostKeyBlob(name: string): Promise<Buffer> {
  const r = await lab.exec(name, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
  const base64 = r.stdout.trim().split(/\s+/)[1];
  if (r.code !== 0 || !base64) throw new Error(`no host key on ${name}: ${r.stderr}`);
  return Buffer.from(base64, 'base64');
}

export async function hostFingerprint(name: string): Promise<string> {
  return fingerprintOf(await hostKeyBlob(name));
}

/** The app's host-key policy over a known-hosts store that already trusts these lab hosts. */
export async function trustingHostKeys(hosts: lab.LabHost[]): Promise<HostKeyPolicy> {
  const known = new KnownHosts({
    appFile: join(mkdtempSync(join(tmpdir(), 'k3sw-lab-kh-')), 'known_hosts'),
    userFiles: [],
  });
  for (const h of hosts) known.trust(h.address, h.port, await hostKeyBlob(h.name));
  return new HostKeyPolicy({ knownHosts: known });
}

/** Gives the host new SSH host keys, as a re-flashed SD card would (open connections drop too). */
export async function regenerateHostKeys(name: string): Promise<void> {
  const script =
    'rm -f /etc/ssh/ssh_host_*key* && ssh-keygen -A >/dev/null && systemctl stop ssh.service && (pkill -KILL -x sshd; true) && systemctl start ssh.service';
  const r = await lab.exec(name, ['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`could not regenerate host keys on ${name}: ${r.stderr}`);
}
