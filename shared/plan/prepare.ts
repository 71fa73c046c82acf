/**
 * Preparing a host before K3s: its firewall (per policy) and, on a Raspberry Pi without the
 * memory cgroup, the kernel command line fix followed by a reboot.
 */
import type { HostFacts } from '../facts';
import { appliedCheck, firewallApplyPlan, firewallPaths, planFirewall, type FirewallPlan } from '../firewall';
import { shJoin } from '../shell';
import type { FactsByNode } from '../spec/model';
import type { ClusterSpec, NodeSpec } from '../spec/schema';
import type { HostCheck, PlanStep } from './types';

export const CGROUP_ARGS = ['cgroup_memory=1', 'cgroup_enable=memory'];

// Appends each missing word to the single line of cmdline.txt, after a one-time backup.
const CMDLINE_SCRIPT = [
  'f=$1; shift',
  '[ -f "$f.k3s-wizard.bak" ] || cp -p "$f" "$f.k3s-wizard.bak"',
  'for w in "$@"; do grep -qw -- "$w" "$f" || sed -i "1 s/\\$/ $w/" "$f"; done',
].join('\n');

// cgroup v2 lists controllers in cgroup.controllers; v1 in /proc/cgroups (column 4: enabled).
const MEMORY_CGROUP_CHECK =
  'grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null || awk \'$1 == "memory" && $4 == 1 { ok = 1 } END { exit !ok }\' /proc/cgroups';

export const memoryCgroupCheck: HostCheck = {
  command: shJoin(['sh', '-c', MEMORY_CGROUP_CHECK]),
  sudo: false,
};

export function cgroupStep(node: NodeSpec, facts: HostFacts): Omit<PlanStep, 'dependsOn'> | null {
  const pi = facts.raspberryPi;
  if (!pi?.cmdlinePath || facts.cgroup.memory !== false) return null;
  return {
    id: `prepare:${node.nodeName}:cgroup`,
    phase: 'prepare',
    host: node.nodeName,
    title: `Turn on the memory cgroup (${pi.model}) and reboot`,
    actions: [
      {
        kind: 'exec',
        command: shJoin(['sh', '-c', CMDLINE_SCRIPT, 'k3s-wizard-cmdline', pi.cmdlinePath, ...CGROUP_ARGS]),
        sudo: true,
        what: `append ${CGROUP_ARGS.join(' ')} to ${pi.cmdlinePath} (backup: ${pi.cmdlinePath}.k3s-wizard.bak)`,
        undo: [shJoin(['cp', '-p', `${pi.cmdlinePath}.k3s-wizard.bak`, pi.cmdlinePath])],
      },
      {
        kind: 'reboot-and-wait',
        timeoutMs: 10 * 60_000,
        what: 'reboot and wait for SSH to come back (a Pi 3 can take minutes)',
        backup: `${pi.cmdlinePath}.k3s-wizard.bak`,
      },
      {
        kind: 'wait-for',
        check: memoryCgroupCheck,
        intervalMs: 2000,
        timeoutMs: 60_000,
        what: 'confirm the memory cgroup is on',
      },
    ],
    secrets: [],
    alreadyDone: memoryCgroupCheck,
    timeoutMs: 15 * 60_000,
    notes: [],
  };
}

export function firewallStep(
  spec: ClusterSpec,
  node: NodeSpec,
  allFacts: FactsByNode,
): { plan: FirewallPlan; step: Omit<PlanStep, 'dependsOn'> | null } {
  const plan = planFirewall({ spec, node, facts: allFacts[node.nodeName] ?? null, allFacts });
  if (plan.commands.length === 0) return { plan, step: null };
  const verb = plan.policy === 'disable' ? 'Turn off' : 'Open the K3s ports in';
  // A re-run may plan from facts taken before these rules existed: ask the firewall itself.
  const applied = appliedCheck(plan.commands);
  return {
    plan,
    step: {
      id: `prepare:${node.nodeName}:firewall`,
      phase: 'prepare',
      host: node.nodeName,
      title: `${verb} ${plan.tool ?? 'the firewall'}`,
      actions: [
        {
          kind: 'firewall',
          what: 'apply the rules now, check SSH and the cluster ports from here, then make them permanent',
          ...firewallApplyPlan(plan.commands, { tool: plan.tool, paths: firewallPaths(spec, node) }),
        },
      ],
      secrets: [],
      alreadyDone: applied ? { command: applied, sudo: true } : null,
      timeoutMs: 2 * 60_000,
      notes: plan.checks.map((check) => check.message),
    },
  };
}
