/**
 * firewalld: opening the K3s ports changes nothing else. No address moves to another zone (that
 * would change which of the user's own rules apply to it, and bring in that zone's services):
 * each flow from another node is a source-restricted rich rule in the zone that node's traffic
 * already arrives in; the pod and service networks are sources of `trusted`, as the K3s
 * documentation says; ports for people (API, NodePorts) are opened in the zone outside traffic
 * arrives on, to anyone or by rich rule to the listed clients. Each change is applied at runtime
 * first, then repeated with --permanent; rules the facts already show produce no command.
 */
import type { FirewalldFacts, FirewalldZone, HostFacts } from '../facts';
import { peerSources, portLabel, requiredPorts, type PortRule } from '../ports';
import { cidrContains, ipToBigint, parseCidr, splitCidrList } from '../spec/cidr';
import { nodeAddress } from '../spec/model';
import type { Audience, Breakage, FirewallCheck, FirewallCommand, FirewallInput, MissingRule } from './types';

export const TRUSTED_ZONE = 'trusted';

type Change =
  | { kind: 'source'; zone: string; source: string; what: string }
  | { kind: 'port'; zone: string; port: string; what: string }
  | { kind: 'rich-rule'; zone: string; rule: string; what: string; port?: string };

function family(address: string): 'ipv4' | 'ipv6' {
  return (ipToBigint(address.split('/')[0] ?? '')?.family ?? parseCidr(address)?.family) === 6
    ? 'ipv6'
    : 'ipv4';
}

/** A rich rule written exactly as `firewall-cmd --list-rich-rules` prints it, so facts match. */
export function richRule(source: string, rule: PortRule): string {
  const port = rule.from === rule.to ? String(rule.from) : `${rule.from}-${rule.to}`;
  return `rule family="${family(source)}" source address="${source}" port port="${port}" protocol="${rule.protocol}" accept`;
}

function zoneOf(fw: FirewalldFacts | null, name: string): FirewalldZone | undefined {
  return fw?.zones.find((z) => z.name === name);
}

function matchesSource(source: string, address: string): boolean {
  const cidr = parseCidr(source);
  return source === address || (cidr !== null && cidrContains(cidr, address));
}

/** The zone a connection from `client` to `local` lands in: by source first, then interface, then default. */
export function arrivalZone(
  fw: FirewalldFacts,
  facts: HostFacts,
  client: string | null,
  local: string | null,
): string | null {
  if (client) {
    const bySource = fw.zones.find((z) => z.sources.some((s) => matchesSource(s, client)));
    if (bySource) return bySource.name;
  }
  const iface = facts.addresses.find((a) => a.address === local)?.iface ?? facts.defaultInterface;
  const byIface = iface ? fw.zones.find((z) => z.interfaces.includes(iface)) : undefined;
  return byIface?.name ?? fw.defaultZone;
}

function present(fw: FirewalldFacts | null, change: Change): boolean {
  const zone = zoneOf(fw, change.zone);
  if (!zone) return false;
  if (change.kind === 'source') return zone.sources.includes(change.source);
  if (change.kind === 'port') return zone.ports.includes(change.port) || zone.target === 'ACCEPT';
  // A port open to everyone in the zone lets the source in already.
  if (change.port && zone.ports.includes(change.port)) return true;
  return zone.richRules.includes(change.rule) || zone.target === 'ACCEPT';
}

function option(change: Change, verb: 'add' | 'remove'): string {
  if (change.kind === 'source') return `--${verb}-source=${change.source}`;
  if (change.kind === 'port') return `--${verb}-port=${change.port}`;
  return `--${verb}-rich-rule=${change.rule}`;
}

function commandsFor(fw: FirewalldFacts | null, change: Change, permanent: boolean): FirewallCommand {
  const base = ['firewall-cmd', ...(permanent ? ['--permanent'] : []), `--zone=${change.zone}`];
  const suffix = permanent ? ' (permanent)' : ' (now)';
  // A source bound to another zone cannot be added twice: move it, and move it back on undo.
  const owner =
    change.kind === 'source'
      ? fw?.zones.find((z) => z.name !== change.zone && z.sources.includes(change.source))
      : undefined;
  if (change.kind === 'source' && owner) {
    const back = ['firewall-cmd', ...(permanent ? ['--permanent'] : []), `--zone=${owner.name}`];
    return {
      argv: [...base, `--change-source=${change.source}`],
      what: `${change.what}, moving it from zone ${owner.name}${suffix}`,
      undo: [[...back, `--change-source=${change.source}`]],
    };
  }
  return {
    argv: [...base, option(change, 'add')],
    what: change.what + suffix,
    undo: [[...base, option(change, 'remove')]],
  };
}

export function planFirewalld({ spec, node, facts, allFacts }: FirewallInput): {
  commands: FirewallCommand[];
  checks: FirewallCheck[];
  missing: MissingRule[];
} {
  const fw = facts?.firewall.firewalld ?? null;
  const appAddress = facts?.ssh.clientAddress ?? null;
  const checks: FirewallCheck[] = [];
  const changes: { change: Change; breaks: Breakage; audience?: Audience }[] = [];
  const outsideZone = fw && facts ? arrivalZone(fw, facts, null, facts.ssh.serverAddress) : null;
  const publicZone = outsideZone ?? fw?.defaultZone ?? 'public';

  const self = nodeAddress(node, facts ?? undefined);
  const local = self ?? facts?.ssh.serverAddress ?? null;
  // The zone a peer's connections land in today: its rule goes there, and nothing moves.
  const zoneFor = (source: string) =>
    (fw && facts ? arrivalZone(fw, facts, source, local) : null) ?? publicZone;
  const nodes = peerSources(spec, 'nodes', { facts: allFacts });
  if (!nodes.anywhere) {
    for (const name of nodes.unknownNodes) {
      checks.push({
        severity: 'error',
        message: `The address of ${name} is not known (a host name, not probed): set its nodeIp so the firewall can let it in.`,
      });
    }
  }
  for (const field of ['clusterCidr', 'serviceCidr'] as const) {
    for (const source of splitCidrList(spec.networking[field])) {
      const what = `trust the ${field === 'clusterCidr' ? 'pod' : 'service'} network ${source} (zone ${TRUSTED_ZONE})`;
      changes.push({ change: { kind: 'source', zone: TRUSTED_ZONE, source, what }, breaks: 'cidrs' });
    }
  }
  for (const rule of requiredPorts(spec, node)) {
    const label = portLabel(rule);
    const clients =
      rule.peers === 'clients' ? peerSources(spec, 'clients', { facts: allFacts, appAddress }) : null;
    const outsideOpen = clients?.anywhere === true ? publicZone : null;
    if (outsideOpen) {
      changes.push({
        change: {
          kind: 'port',
          zone: outsideOpen,
          port: label,
          what: `open ${label} to anyone (zone ${outsideOpen})`,
        },
        // Anyone: people's computers and the nodes whose traffic arrives in that zone.
        breaks: rule.id,
      });
    }
    const peers = peerSources(spec, rule.peers === 'servers' ? 'servers' : 'nodes', { facts: allFacts });
    const peerAddresses = peers.anywhere ? [] : peers.addresses.filter((a) => a !== self);
    for (const source of peerAddresses) {
      const zone = zoneFor(source);
      // Already covered when the port is open to anyone in the zone this node arrives in.
      if (zone === outsideOpen) continue;
      changes.push({
        change: {
          kind: 'rich-rule',
          zone,
          rule: richRule(source, rule),
          port: label,
          what: `allow ${label} from ${rule.peers === 'servers' ? 'server' : 'node'} ${source} (zone ${zone})`,
        },
        breaks: rule.id,
        audience: 'nodes',
      });
    }
    if (!clients || clients.anywhere) continue;
    for (const source of clients.addresses.filter((a) => nodes.anywhere || !nodes.addresses.includes(a))) {
      changes.push({
        change: {
          kind: 'rich-rule',
          zone: publicZone,
          rule: richRule(source, rule),
          port: label,
          what: `allow ${label} from client ${source}`,
        },
        breaks: rule.id,
        audience: 'clients',
      });
    }
  }
  const ssh = sshChange(
    fw,
    facts,
    changes.map((c) => c.change),
  );
  if (ssh) changes.push({ change: ssh, breaks: 'ssh' });

  const needed = changes.filter((c) => !present(fw, c.change));
  const commands = [
    ...needed.map((c) => commandsFor(fw, c.change, false)),
    ...needed.map((c) => commandsFor(fw, c.change, true)),
  ];
  return {
    commands,
    checks,
    missing: needed.map((c) => ({
      change: c.change.what,
      breaks: c.breaks,
      ...(c.audience ? { audience: c.audience } : {}),
    })),
  };
}

/** Keeps SSH reachable: if our sources move this computer into a zone without SSH, open the port there. */
function sshChange(fw: FirewalldFacts | null, facts: HostFacts | null, changes: Change[]): Change | null {
  const client = facts?.ssh.clientAddress;
  if (!fw || !facts || !client) return null;
  const port = facts.ssh.serverPort ?? 22;
  const added = changes.find((c) => c.kind === 'source' && matchesSource(c.source, client));
  const before = arrivalZone(fw, facts, client, facts.ssh.serverAddress);
  const after = added?.zone ?? before;
  if (!after || after === before) return null;
  const zone = zoneOf(fw, after);
  const allowed =
    after === TRUSTED_ZONE ||
    (zone !== undefined &&
      (zone.target === 'ACCEPT' ||
        zone.ports.includes(`${port}/tcp`) ||
        (port === 22 && zone.services.includes('ssh'))));
  return allowed
    ? null
    : {
        kind: 'port',
        zone: after,
        port: `${port}/tcp`,
        what: `keep SSH (${port}/tcp) open for this computer (${client}) in zone ${after}`,
      };
}
