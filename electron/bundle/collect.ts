/**
 * What a support bundle holds from one machine, read in one command as root: the K3s journal,
 * the kernel command line, the firewall, addresses, the OS, and the K3s config files. The
 * token and node password are read too, only so that they can be redacted wherever they appear.
 */
import { shJoin } from '../../shared/shell';
import type { HostRunner } from '../engine/host-runner';

const MARK = '===K3SW-SECTION ';

const SCRIPT = [
  `sec() { printf '\\n${MARK}%s===\\n' "$1"; }`,
  "sec journal.txt; journalctl -u 'k3s*' -n 300 --no-pager 2>&1",
  'sec proc-cmdline.txt; cat /proc/cmdline',
  'sec firewall.txt',
  'if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then echo "## firewall-cmd --list-all-zones"; firewall-cmd --list-all-zones; fi',
  'if command -v ufw >/dev/null 2>&1; then echo "## ufw status verbose"; ufw status verbose; fi',
  'if command -v nft >/dev/null 2>&1; then echo "## nft list ruleset"; nft list ruleset; fi',
  'sec ip-addr.txt; ip -br addr',
  'sec os-release.txt; cat /etc/os-release',
  'for f in /etc/rancher/k3s/config.yaml /etc/rancher/k3s/config.yaml.d/*.yaml /etc/rancher/k3s/registries.yaml /etc/systemd/system/k3s.service.env /etc/systemd/system/k3s-agent.service.env; do [ -f "$f" ] && { sec "files$f"; cat "$f"; }; done',
  'sec secret:token; cat /var/lib/rancher/k3s/server/token 2>/dev/null',
  'sec secret:node-password; cat /etc/rancher/node/password 2>/dev/null',
  'true',
].join('\n');

export interface HostSections {
  /** File name → content, as read (not yet redacted). */
  files: Map<string, string>;
  /** Values found that must never appear in the bundle. */
  secrets: string[];
}

export function parseSections(stdout: string): HostSections {
  const files = new Map<string, string>();
  const secrets: string[] = [];
  const parts = stdout.split(MARK).slice(1);
  for (const part of parts) {
    const end = part.indexOf('===\n');
    if (end < 0) continue;
    const name = part.slice(0, end);
    const body = part.slice(end + 4);
    if (name.startsWith('secret:')) {
      const value = body.trim();
      if (value) secrets.push(value, ...value.split('::').slice(1), value.split(':').pop() ?? '');
      continue;
    }
    files.set(name.replace(/^\/+/, ''), body);
  }
  return { files, secrets: secrets.filter((s) => s.length >= 6) };
}

export async function collectHost(runner: HostRunner, signal: AbortSignal): Promise<HostSections> {
  const r = await runner.exec({
    command: shJoin(['sh', '-c', SCRIPT]),
    sudo: true,
    timeoutMs: 120_000,
    signal,
    what: 'collect the support bundle',
  });
  const sections = parseSections(r.stdout);
  if (r.stderr.trim()) sections.files.set('collect-errors.txt', r.stderr);
  return sections;
}
