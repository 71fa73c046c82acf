/**
 * The firewall planner: for one node, from its facts and its policy, the exact commands, what
 * each changes and how to undo it. configure opens exactly what K3s needs; disable turns the
 * firewall off (with the warning it deserves); leave changes nothing and says what will break.
 */
import type { FirewallKind, HostFacts } from '../facts';
import { firewallPolicy } from '../spec/model';
import { planFirewalld } from './firewalld';
import {
  CONSEQUENCE,
  type Breakage,
  type FirewallCheck,
  type FirewallCommand,
  type FirewallInput,
  type FirewallPlan,
  type MissingRule,
} from './types';
import { planUfw } from './ufw';

export * from './types';
export { arrivalZone, richRule, TRUSTED_ZONE } from './firewalld';

/** The firewall that filters traffic now: firewalld or ufw when active, raw rules, or none. */
function activeTool(facts: HostFacts): FirewallKind | null {
  const fw = facts.firewall;
  if (fw.firewalldActive) return 'firewalld';
  if (fw.ufwActive) return 'ufw';
  if (fw.kind === 'nftables' || fw.kind === 'iptables') return fw.rawRuleCount ? fw.kind : 'none';
  return fw.kind;
}

function missingChecks(missing: MissingRule[], tool: string): FirewallCheck[] {
  // One warning per consequence, listing the rules behind it.
  const byBreak = new Map<Breakage, string[]>();
  for (const m of missing) byBreak.set(m.breaks, [...(byBreak.get(m.breaks) ?? []), m.change]);
  return [...byBreak].map(([breaks, changes]) => ({
    severity: 'warning',
    message: `${tool} does not ${changes.join('; ')}: ${CONSEQUENCE[breaks]}.`,
  }));
}

const DISABLE_WARNING =
  'Turning the firewall off exposes every service on this machine to its network, not only K3s. Fine on a trusted home network; elsewhere prefer configure.';

function planDisable(tool: FirewallKind | null, facts: HostFacts): FirewallCommand[] {
  const commands: FirewallCommand[] = [];
  if (tool === 'firewalld' || facts.firewall.firewalldActive) {
    commands.push({
      argv: ['systemctl', 'disable', '--now', 'firewalld'],
      what: 'stop firewalld and keep it off after reboots',
      undo: [['systemctl', 'enable', '--now', 'firewalld']],
    });
  }
  if (tool === 'ufw' || facts.firewall.ufwActive) {
    commands.push({ argv: ['ufw', 'disable'], what: 'turn ufw off', undo: [['ufw', '--force', 'enable']] });
  }
  return commands;
}

export function planFirewall(input: FirewallInput): FirewallPlan {
  const { spec, node, facts } = input;
  const policy = firewallPolicy(spec, node);
  const base = { node: node.nodeName, policy };
  if (!facts) {
    const message =
      policy === 'leave'
        ? 'This machine was not probed: whether its firewall blocks K3s is unknown.'
        : `This machine was not probed, so its firewall is unknown; nothing is planned for it (assumed: no firewall). Probe it (or pass --facts) to ${policy} it.`;
    return { ...base, tool: null, commands: [], checks: [{ severity: 'warning', message }] };
  }
  const tool = activeTool(facts);
  const plan = (): {
    commands: FirewallCommand[];
    checks: FirewallCheck[];
    missing: MissingRule[];
  } =>
    tool === 'firewalld'
      ? planFirewalld(input)
      : tool === 'ufw' || (facts.firewall.ufw !== null && tool !== 'nftables' && tool !== 'iptables')
        ? { ...planUfw(input), checks: [] }
        : { commands: [], checks: [], missing: [] };

  if (tool === 'nftables' || tool === 'iptables') {
    const message = `This machine has ${facts.firewall.rawRuleCount ?? 'some'} ${tool} rules not managed by firewalld or ufw; k3s-wizard does not edit them. Make sure they allow the K3s ports, or they may block ${CONSEQUENCE.api} and ${CONSEQUENCE['flannel-vxlan']}.`;
    return { ...base, tool, commands: [], checks: [{ severity: 'warning', message }] };
  }
  if (policy === 'disable') {
    const commands = planDisable(tool, facts);
    const checks: FirewallCheck[] = commands.length
      ? [{ severity: 'warning', message: DISABLE_WARNING }]
      : [{ severity: 'info', message: 'No firewall is active: nothing to turn off.' }];
    return { ...base, tool, commands, checks };
  }
  const planned = plan();
  if (policy === 'leave') {
    const checks = tool === 'none' || tool === null ? [] : missingChecks(planned.missing, tool);
    return { ...base, tool, commands: [], checks: [...planned.checks, ...checks] };
  }
  const checks = [...planned.checks];
  if (tool !== 'firewalld' && tool !== 'ufw' && planned.commands.length > 0) {
    checks.push({
      severity: 'info',
      message: 'ufw is installed but off: its rules are added for the day it is turned on; it stays off.',
    });
  } else if (tool === 'none' || tool === null) {
    checks.push({ severity: 'info', message: 'No firewall is active: nothing to open.' });
  }
  return { ...base, tool, commands: planned.commands, checks };
}
export * from './advice';
export * from './flows';
export * from './applied';
export * from './apply';
