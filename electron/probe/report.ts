/** Plain-text rendering of facts and checks for the command line. */
import type { ConnectivityResult } from '../../shared/checks/connectivity';
import type { Check } from '../../shared/checks/types';
import type { HostFacts } from '../../shared/facts';

const unknown = '?';

function rows(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

function firewallText(f: HostFacts): string {
  const fw = f.firewall;
  if (fw.kind === null) return 'unknown (needs root)';
  if (fw.kind === 'firewalld') {
    const zone = fw.firewalld?.zones.find((z) => z.name === fw.firewalld?.defaultZone);
    return `firewalld, default zone ${fw.firewalld?.defaultZone ?? unknown}${zone ? ` (services: ${zone.services.join(' ') || '-'}; ports: ${zone.ports.join(' ') || '-'})` : ''}`;
  }
  if (fw.kind === 'ufw')
    return `ufw, incoming ${fw.ufw?.defaultIncoming ?? unknown}, ${fw.ufw?.rules.length ?? 0} rules`;
  if (fw.kind === 'none') return 'none';
  return `${fw.kind} (${fw.rawRuleCount ?? unknown} input rules)`;
}

export function formatFacts(label: string, f: HostFacts): string {
  const mib = (v: number | null): string => (v === null ? unknown : `${(v / 1024).toFixed(1)} GiB`);
  const pairs: [string, string][] = [
    ['hostname', f.hostname ?? unknown],
    ['os', f.os.prettyName ?? f.os.id ?? unknown],
    ['kernel', `${f.kernel ?? unknown} (${f.kernelArch ?? unknown})`],
    [
      'userland',
      `${f.userlandArch ?? unknown}, ${f.longBit ?? unknown}-bit → k3s ${f.k3sArch ?? 'unsupported'}`,
    ],
    ['cpu / memory', `${f.cpus ?? unknown} cores, ${mib(f.memoryMiB)}`],
    ['disk free', `${mib(f.diskFreeMiB)} under /var/lib`],
    [
      'address',
      `${f.defaultAddress ?? unknown} on ${f.defaultInterface ?? unknown}${f.addresses.length > 1 ? ` (+${f.addresses.length - 1} more)` : ''}`,
    ],
    ['init / sudo', `${f.init ?? unknown} / ${f.sudo ?? unknown}`],
    [
      'cgroup',
      `v${f.cgroup.version ?? unknown}, memory ${f.cgroup.memory === null ? unknown : f.cgroup.memory ? 'on' : 'OFF'}`,
    ],
    ['firewall', firewallText(f)],
    ['selinux', f.selinux ?? unknown],
    ['iptables', f.iptables.version ? `${f.iptables.version} (${f.iptables.backend ?? unknown})` : unknown],
    [
      'k3s',
      f.k3s.installed
        ? `${f.k3s.version ?? 'installed'} ${f.k3s.role ?? ''} ${f.k3s.serviceState ?? ''}`.trim()
        : 'not installed',
    ],
  ];
  if (f.raspberryPi)
    pairs.push(['raspberry pi', `${f.raspberryPi.model} (${f.raspberryPi.cmdlinePath ?? 'no cmdline.txt'})`]);
  if (f.listeners.length)
    pairs.push([
      'listening',
      f.listeners.map((l) => `${l.port}/${l.proto}${l.process ? ` ${l.process}` : ''}`).join(', '),
    ]);
  return `${label}\n${rows(pairs)}\n`;
}

const MARK = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** What to do about a port a firewall may block, on the command line (there is no firewall step here). */
function firewallFix(host: string, kind: string | null | undefined): string {
  if (kind === 'none')
    return `${host} runs no firewall of its own: look between the machines (a router, a cloud security group), or for a service that is not listening.`;
  const which = kind ? ` (${kind})` : '';
  return `open the K3s ports on ${host}${which}: with firewall.policy: configure in the cluster file, k3s-wizard plan shows the exact rules and apply adds them.`;
}

/** `firewallOf` tells the firewall a host runs (its probed facts), so the fix is the right one. */
export function formatChecks(
  checks: readonly Check[],
  firewallOf: (host: string) => string | null | undefined = () => undefined,
): string {
  return checks
    .map((c) => {
      const who = c.hostId ?? (c.hostIds?.join(', ') || 'cluster');
      const target = c.hostIds?.[1] ?? c.hostId ?? 'the machine';
      const fix =
        c.fix === undefined
          ? ''
          : c.fix.kind === 'command'
            ? `\n        fix: ${c.fix.command}`
            : c.fix.kind === 'action'
              ? `\n        fix: ${c.fix.description}`
              : `\n        fix: ${firewallFix(target, firewallOf(target))}`;
      return `  ${MARK[c.status]}  ${who}: ${c.title} — ${c.reason}${fix}`;
    })
    .join('\n');
}

export function formatConnectivity(results: readonly ConnectivityResult[]): string {
  return results
    .map(
      (r) =>
        `  ${r.status === 'open' ? 'ok  ' : r.status === 'blocked' ? 'FAIL' : '?   '}  ${r.from} → ${r.to} ${r.port}/${r.proto} (${r.detail})`,
    )
    .join('\n');
}
