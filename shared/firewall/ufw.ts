/**
 * ufw: the same rules as `ufw allow` lines: peer ports from each node's address, the pod and
 * service networks from anywhere they come, the API port (and NodePorts) for clients. ufw only
 * gains allow rules: it is never enabled when it was off, and nothing is denied.
 */
import type { UfwFacts } from '../facts';
import { peerSources, requiredPorts, formatPortRange, type PortRule } from '../ports';
import { splitCidrList } from '../spec/cidr';
import type { Breakage, FirewallCommand, FirewallInput, MissingRule } from './types';

interface UfwAllow {
  /** Port rule, or null for "all traffic from this source". */
  rule: PortRule | null;
  /** Address or network, or null for anywhere. */
  from: string | null;
  what: string;
  breaks: Breakage;
}

/** How `ufw status` shows the rule: to "8472/udp" (or "Anywhere"), from the address or "Anywhere". */
function present(facts: UfwFacts | null, allow: UfwAllow): boolean {
  if (!facts) return false;
  const to = allow.rule ? `${formatPortRange(allow.rule, ':')}/${allow.rule.protocol}` : 'Anywhere';
  const from = allow.from ?? 'Anywhere';
  return facts.rules.some(
    (r) => r.action === 'ALLOW' && r.direction === 'IN' && !r.v6 && r.to === to && r.from === from,
  );
}

function ruleWords(allow: UfwAllow): string[] {
  const from = ['from', allow.from ?? 'any'];
  if (!allow.rule) return from;
  return ['proto', allow.rule.protocol, ...from, 'to', 'any', 'port', formatPortRange(allow.rule, ':')];
}

export function planUfw({ spec, node, facts, allFacts }: FirewallInput): {
  commands: FirewallCommand[];
  missing: MissingRule[];
} {
  const ufw = facts?.firewall.ufw ?? null;
  const appAddress = facts?.ssh.clientAddress ?? null;
  const allows: UfwAllow[] = [];
  for (const field of ['clusterCidr', 'serviceCidr'] as const) {
    for (const from of splitCidrList(spec.networking[field])) {
      allows.push({
        rule: null,
        from,
        what: `allow all traffic from the ${field === 'clusterCidr' ? 'pod' : 'service'} network ${from}`,
        breaks: 'cidrs',
      });
    }
  }
  for (const rule of requiredPorts(spec, node)) {
    const label = `${formatPortRange(rule)}/${rule.protocol}`;
    const sources = peerSources(spec, rule.peers, { facts: allFacts, appAddress });
    if (sources.anywhere) {
      allows.push({ rule, from: null, what: `allow ${label} from anywhere`, breaks: rule.id });
    } else {
      for (const from of sources.addresses) {
        allows.push({ rule, from, what: `allow ${label} from ${from}`, breaks: rule.id });
      }
    }
  }
  const needed = allows.filter((allow) => !present(ufw, allow));
  const commands = needed.map((allow) => {
    const words = ruleWords(allow);
    return {
      argv: ['ufw', 'allow', ...words, 'comment', `k3s-wizard: ${allow.rule?.id ?? 'cluster networks'}`],
      what: allow.what,
      undo: [['ufw', 'delete', 'allow', ...words]],
    };
  });
  return { commands, missing: needed.map((a) => ({ change: a.what, breaks: a.breaks })) };
}
