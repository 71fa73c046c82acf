/**
 * runChecks: every pre-flight check for a planned cluster, from the facts of all hosts and
 * their roles. Pure: the same input always gives the same list, hosts in input order, then
 * the checks across hosts.
 */
import { hostChecks, sharing } from './host-checks';
import type { Check, CheckHost, CheckInput } from './types';

export type { Check, CheckFix, CheckHost, CheckInput, CheckStatus, FixAction, NodeRole } from './types';

/** Groups of hosts sharing the same value, by value (values that are null are ignored). */
function duplicates(
  hosts: CheckHost[],
  value: (host: CheckHost) => string | null | undefined,
): Map<string, string[]> {
  return new Map(
    sharing(hosts, value).map((group) => [value(group[0]!) ?? '', group.map((host) => host.id)]),
  );
}

function duplicateChecks(hosts: CheckHost[]): Check[] {
  const probed = hosts.filter((h) => h.facts);
  const out: Check[] = [];
  const hostnames = duplicates(probed, (h) => h.facts?.hostname?.toLowerCase());
  for (const [name, ids] of hostnames) {
    out.push({
      id: 'duplicate-hostname',
      hostId: null,
      hostIds: ids,
      status: 'fail',
      title: 'Duplicate host names',
      reason: `${ids.join(', ')} are all called "${name}". Kubernetes needs a unique name per node (the second one would be rejected as a duplicate).`,
      fix: {
        kind: 'action',
        action: 'set-node-name',
        description: 'Give each node its own name (--node-name); the host names can stay as they are.',
      },
    });
  }
  const machineIds = duplicates(probed, (h) => h.facts?.machineId);
  for (const [, ids] of machineIds) {
    out.push({
      id: 'duplicate-machine-id',
      hostId: null,
      hostIds: ids,
      status: 'fail',
      title: 'Duplicate machine IDs',
      reason: `${ids.join(', ')} share the same /etc/machine-id, as cloned SD cards or images do. Networking and node identity get confused.`,
      fix: {
        kind: 'action',
        action: 'regenerate-machine-id',
        description:
          'Create a new machine ID on each copy (rm /etc/machine-id; systemd-machine-id-setup) and reboot.',
      },
    });
  }
  const addresses = duplicates(probed, (h) => h.facts?.defaultAddress);
  for (const [address, ids] of addresses) {
    out.push({
      id: 'duplicate-address',
      hostId: null,
      hostIds: ids,
      status: 'fail',
      title: 'Duplicate IP addresses',
      reason: `${ids.join(', ')} all use the address ${address}. Each node needs its own address (check for a copied static IP or a NAT in between).`,
    });
  }
  if (probed.length > 1 && hostnames.size + machineIds.size + addresses.size === 0) {
    out.push({
      id: 'unique-identity',
      hostId: null,
      hostIds: probed.map((h) => h.id),
      status: 'pass',
      title: 'Unique names and addresses',
      reason: 'Every host has its own name, machine ID and address.',
    });
  }
  return out;
}

function topologyChecks(hosts: CheckHost[]): Check[] {
  const servers = hosts.filter((h) => h.role === 'server');
  if (servers.length === 0) {
    return [
      {
        id: 'servers',
        hostId: null,
        status: 'fail',
        title: 'Servers',
        reason: 'A cluster needs at least one server.',
      },
    ];
  }
  if (servers.length > 1 && servers.length % 2 === 0) {
    return [
      {
        id: 'ha-servers-even',
        hostId: null,
        hostIds: servers.map((h) => h.id),
        status: 'warn',
        title: 'Even number of servers',
        reason: `${servers.length} servers tolerate no more failures than ${servers.length - 1}: the cluster database needs a majority. Use an odd number (3 or 5), or make one of them an agent.`,
      },
    ];
  }
  return [];
}

export function runChecks(input: CheckInput): Check[] {
  return [
    ...input.hosts.flatMap((host) => hostChecks(host, input)),
    ...duplicateChecks(input.hosts),
    ...topologyChecks(input.hosts),
  ];
}

/** The worst status of a list (fail > warn > pass). */
export function worstStatus(checks: readonly Check[]): Check['status'] {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  return checks.some((c) => c.status === 'warn') ? 'warn' : 'pass';
}
