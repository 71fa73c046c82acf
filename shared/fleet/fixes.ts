/**
 * Fleet fixes before the install, as one plan the engine runs: per machine, its new host name
 * (`hostnamectl set-hostname`, and the 127.0.1.1 line of /etc/hosts as raspi-config does), a new
 * machine-id where cloned cards share one (`rm /etc/machine-id && systemd-machine-id-setup`), and
 * on a Pi without the memory cgroup the wizard's one cgroup fix; then a reboot. Machines that
 * reboot go in waves: a wave starts when the one before it is back. What the checks found
 * (shared/checks) decides what is done: one check, one fix.
 */
import { runChecks, type Check } from '../checks';
import type { HostFacts } from '../facts';
import { cgroupStep, type Plan, type PlanAction, type PlanStep } from '../plan';
import { shJoin, shQuote } from '../shell';
import type { ClusterSpec, NodeSpec } from '../spec/schema';

export interface MachineChange {
  host: string;
  address: string;
  /** In words, for "what will change". */
  changes: string[];
  reboots: boolean;
  wave: number | null;
}

export interface FleetFixPlan {
  plan: Plan;
  changes: MachineChange[];
  /** What the checks found that the fixes do not cover (shown, not fixed). */
  unfixed: Check[];
}

const RENAME_SCRIPT = [
  'set -e',
  // hostnamed answers over D-Bus; when it does not (a slow first activation on a busy Pi), the
  // same change by hand, as raspi-config makes it: the reboot that follows reads /etc/hostname.
  'hostnamectl set-hostname "$1" 2>/dev/null || { printf "%s\\n" "$1" > /etc/hostname; hostname "$1"; }',
  // sudo and local tools resolve the host's own name through this line
  'if grep -q "^127\\.0\\.1\\.1[[:space:]]" /etc/hosts; then sed -i "s/^127\\.0\\.1\\.1[[:space:]].*/127.0.1.1\\t$1/" /etc/hosts; else printf "127.0.1.1\\t%s\\n" "$1" >> /etc/hosts; fi',
].join('\n');

// Only while the old id is still there (a re-run after the reboot changes nothing); D-Bus's copy
// goes too, or systemd-machine-id-setup would copy the old id back from it.
const MACHINE_ID_SCRIPT = [
  '[ "$(cat /etc/machine-id 2>/dev/null)" = "$1" ] || exit 0',
  'rm -f /etc/machine-id',
  '[ -L /var/lib/dbus/machine-id ] || rm -f /var/lib/dbus/machine-id',
  'systemd-machine-id-setup',
].join('\n');

function renameActions(name: string): PlanAction[] {
  return [
    {
      kind: 'exec',
      command: shJoin(['sh', '-c', RENAME_SCRIPT, 'k3s-wizard-hostname', name]),
      sudo: true,
      what: `hostnamectl set-hostname ${name} (and its line in /etc/hosts)`,
    },
  ];
}

function machineIdActions(old: string): PlanAction[] {
  return [
    {
      kind: 'exec',
      command: shJoin(['sh', '-c', MACHINE_ID_SCRIPT, 'k3s-wizard-machine-id', old]),
      sudo: true,
      what: 'rm /etc/machine-id && systemd-machine-id-setup (a new machine ID; the running system uses it after the reboot)',
    },
  ];
}

const REBOOT: PlanAction = {
  kind: 'reboot-and-wait',
  timeoutMs: 10 * 60_000,
  what: 'reboot and wait for SSH to come back',
};

/**
 * The fixes for every machine of the fleet's clusters, from their facts (by node name).
 * `specs` are the clusters to build; their node names are the names machines get.
 */
export function fleetFixPlan(options: {
  name: string;
  specs: ClusterSpec[];
  facts: Readonly<Record<string, HostFacts | undefined>>;
  rebootWave: number;
}): FleetFixPlan {
  const nodes: NodeSpec[] = options.specs.flatMap((s) => s.nodes);
  const checks = runChecks({
    hosts: nodes.map((n) => ({ id: n.nodeName, role: n.role, facts: options.facts[n.nodeName] ?? null })),
  });
  // Cloned cards: every copy after the first of a shared machine-id gets a new one.
  const newId = new Set<string>();
  for (const c of checks.filter((c) => c.id === 'duplicate-machine-id'))
    for (const id of (c.hostIds ?? []).slice(1)) newId.add(id);
  const cgroupFix = new Set(
    checks
      .filter(
        (c) => c.status === 'fail' && c.fix?.kind === 'action' && c.fix.action === 'enable-memory-cgroup',
      )
      .map((c) => c.hostId),
  );
  const covered = new Set(['duplicate-hostname', 'duplicate-machine-id']);
  const unfixed = checks.filter(
    (c) =>
      c.status === 'fail' &&
      !covered.has(c.id) &&
      !(c.fix?.kind === 'action' && c.fix.action === 'enable-memory-cgroup' && cgroupFix.has(c.hostId)),
  );

  const steps: Omit<PlanStep, 'dependsOn'>[] = [];
  const changes: MachineChange[] = [];
  for (const node of nodes) {
    const facts = options.facts[node.nodeName];
    if (!facts) continue;
    const actions: PlanAction[] = [];
    const words: string[] = [];
    const done: string[] = [];
    if (facts.hostname && facts.hostname !== node.nodeName) {
      actions.push(...renameActions(node.nodeName));
      words.push(`host name ${facts.hostname} → ${node.nodeName}`);
      done.push(`[ "$(hostname)" = ${shQuote(node.nodeName)} ]`);
    }
    const regenerate = newId.has(node.nodeName) && facts.machineId;
    if (regenerate && facts.machineId) {
      actions.push(...machineIdActions(facts.machineId));
      words.push(`new machine ID (was ${facts.machineId.slice(0, 8)}…, shared with a cloned card)`);
      done.push(`[ "$(cat /etc/machine-id)" != ${shQuote(facts.machineId)} ]`);
    }
    const cgroup = cgroupFix.has(node.nodeName) ? cgroupStep(node, facts) : null;
    if (cgroup) {
      // The Pi fix as the wizard does it alone: the change, its reboot, the confirmation.
      actions.push(...cgroup.actions);
      words.push(`memory cgroup on (${cgroup.actions[0]?.what ?? ''})`);
      if (cgroup.alreadyDone) done.push(cgroup.alreadyDone.command);
    } else if (regenerate) actions.push(REBOOT);
    if (!actions.length) continue;
    const reboots = actions.some((a) => a.kind === 'reboot-and-wait');
    if (reboots) words.push('reboot');
    steps.push({
      id: `fleet-fix:${node.nodeName}`,
      phase: 'prepare',
      host: node.nodeName,
      title: `Fix ${node.nodeName} (${node.address}): ${words.join(', ')}`,
      actions,
      secrets: [],
      alreadyDone: { command: done.join(' && '), sudo: false },
      timeoutMs: 20 * 60_000,
      notes: [],
    });
    changes.push({ host: node.nodeName, address: node.address, changes: words, reboots, wave: null });
  }
  // Waves: each rebooting machine waits for the whole wave before its own.
  const wave = Math.max(1, options.rebootWave);
  const rebooting = steps.filter((s) => s.actions.some((a) => a.kind === 'reboot-and-wait'));
  const planned: PlanStep[] = steps.map((step) => {
    const at = rebooting.indexOf(step);
    if (at < 0) return { ...step, dependsOn: [] };
    const w = Math.floor(at / wave);
    const change = changes.find((c) => c.host === step.host);
    if (change) change.wave = w + 1;
    return { ...step, dependsOn: w === 0 ? [] : rebooting.slice((w - 1) * wave, w * wave).map((s) => s.id) };
  });
  return {
    plan: {
      cluster: options.name,
      phases: [{ id: 'prepare', title: 'Fix the machines (names, machine IDs, memory cgroup)' }],
      steps: planned,
      issues: [],
    },
    changes,
    unfixed,
  };
}

/** "What will change", one line per machine. */
export function describeFixes(fixes: FleetFixPlan): string[] {
  if (!fixes.changes.length)
    return ['Nothing to fix: every machine has its own name and ID, and the memory cgroup.'];
  return fixes.changes.map(
    (c) => `${c.host} (${c.address}): ${c.changes.join(', ')}${c.wave ? ` [reboot wave ${c.wave}]` : ''}`,
  );
}
