/**
 * Planning an upgrade of K3s, node by node: per node from which version to which, in which
 * order, and the refusals of Kubernetes' version skew policy (one minor version at a time; no
 * kubelet newer than the API servers; no downgrade unless forced).
 */
import { agents, firstServer, servers } from '../spec/model';
import type { ClusterSpec, NodeSpec } from '../spec/schema';
import type { ClusterNode } from './cluster-state';
import { compareVersions, minorChannel, parseK3sVersion, type K3sVersion } from './version';

export type UpgradeStepKind =
  /** cordon, drain (optional), install script with the new version, wait Ready at it, uncordon */
  | 'upgrade'
  /** at the target already, left cordoned by an earlier run of k3s-wizard: uncordon only */
  | 'uncordon'
  /** at the target already */
  | 'skip';

export interface NodeUpgrade {
  name: string;
  role: 'server' | 'agent';
  from: string;
  to: string;
  kind: UpgradeStepKind;
  /** Uncordoned at the end: not when the node was cordoned before (by someone else). */
  uncordon: boolean;
  note: string | null;
}

export interface UpgradePlan {
  cluster: string;
  target: string;
  /** In the order they go: servers one at a time, then agents (the reverse for a downgrade). */
  nodes: NodeUpgrade[];
  downgrade: boolean;
  /** Warnings the user should read (NotReady nodes, a forced downgrade). */
  warnings: string[];
}

export type UpgradePlanResult = { ok: true; plan: UpgradePlan } | { ok: false; reason: string };

export interface UpgradePlanInput {
  spec: ClusterSpec;
  /** The cluster's nodes as its API lists them. */
  cluster: ClusterNode[];
  target: string;
  force: boolean;
  /** Nodes an earlier run of k3s-wizard cordoned and did not uncordon. */
  cordonedByUs: readonly string[];
  /** How the user asked (for the refusal's example command): the cluster file's path. */
  file?: string;
}

function refuse(reason: string): UpgradePlanResult {
  return { ok: false, reason };
}

export function planUpgrade(input: UpgradePlanInput): UpgradePlanResult {
  const { spec, cluster, force } = input;
  const target = parseK3sVersion(input.target);
  if (!target)
    return refuse(
      `${input.target} is not a K3s release version (like v1.33.5+k3s1): give one with --to, or a channel with --channel.`,
    );
  const file = input.file ?? 'cluster.yaml';
  const byName = new Map(cluster.map((n) => [n.name, n]));
  const missing = spec.nodes.filter((n) => !byName.has(n.nodeName)).map((n) => n.nodeName);
  if (missing.length)
    return refuse(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} in ${file} but not in the cluster: run k3s-wizard apply ${file} to install ${missing.length === 1 ? 'it' : 'them'} first, or take ${missing.length === 1 ? 'it' : 'them'} out of the file.`,
    );
  if (!firstServer(spec)) return refuse(`${file} has no server.`);

  const warnings: string[] = [];
  const current = new Map<string, K3sVersion>();
  for (const node of spec.nodes) {
    const state = byName.get(node.nodeName) as ClusterNode;
    const v = parseK3sVersion(state.version);
    if (!v)
      return refuse(
        `${node.nodeName} reports version "${state.version || 'none'}", which is not a K3s release: check it with kubectl get nodes.`,
      );
    current.set(node.nodeName, v);
    if (!state.ready) warnings.push(`${node.nodeName} is NotReady now.`);
  }

  // Skew policy, checked on every node before anything changes.
  const downgrades: string[] = [];
  for (const node of spec.nodes) {
    const from = current.get(node.nodeName) as K3sVersion;
    if (from.major !== target.major)
      return refuse(
        `${node.nodeName} runs ${from.text}; ${target.text} is another major version, which k3s-wizard does not upgrade to.`,
      );
    const gap = target.minor - from.minor;
    if (gap > 1) {
      const via = { major: target.major, minor: from.minor + 1 };
      return refuse(
        `${node.nodeName} runs ${from.text}, and ${target.text} is ${gap} minor versions ahead: Kubernetes upgrades one minor version at a time. Upgrade to ${minorChannel(via)} first (k3s-wizard upgrade ${file} --channel ${minorChannel(via)}), then to ${target.text}.`,
      );
    }
    if (compareVersions(target, from) < 0) downgrades.push(`${node.nodeName} (${from.text})`);
  }
  const downgrade = downgrades.length > 0;
  if (downgrade && !force)
    return refuse(
      `${target.text} is older than what ${downgrades.join(', ')} ${downgrades.length === 1 ? 'runs' : 'run'}: a downgrade is not supported by Kubernetes (a newer datastore may not read back). Add --force to do it anyway.`,
    );
  if (downgrade) {
    if (spec.nodes.some((n) => target.minor < (current.get(n.nodeName) as K3sVersion).minor - 1))
      return refuse(`A downgrade of more than one minor version is refused, even with --force.`);
    warnings.push(
      `Downgrading ${downgrades.join(', ')} to ${target.text} (forced): agents go first, so none is newer than the servers.`,
    );
  }

  const step = (node: NodeSpec): NodeUpgrade => {
    const state = byName.get(node.nodeName) as ClusterNode;
    const from = current.get(node.nodeName) as K3sVersion;
    const ours = input.cordonedByUs.includes(node.nodeName);
    const at = compareVersions(from, target) === 0;
    const base = { name: node.nodeName, role: node.role, from: from.text, to: target.text };
    if (at && state.unschedulable && ours)
      return { ...base, kind: 'uncordon', uncordon: true, note: 'left cordoned by the last run' };
    if (at)
      return {
        ...base,
        kind: 'skip',
        uncordon: false,
        note: state.unschedulable
          ? 'at the version already (cordoned, left as it is)'
          : 'at the version already',
      };
    const keep = state.unschedulable && !ours;
    return {
      ...base,
      kind: 'upgrade',
      uncordon: !keep,
      note: keep ? 'cordoned before: left cordoned' : null,
    };
  };
  const serverSteps = servers(spec).map(step);
  const agentSteps = agents(spec).map(step);
  return {
    ok: true,
    plan: {
      cluster: spec.name,
      target: target.text,
      nodes: downgrade ? [...agentSteps, ...serverSteps] : [...serverSteps, ...agentSteps],
      downgrade,
      warnings,
    },
  };
}

/** The plan as lines a person reads: per node, from which version to which. */
export function describeUpgrade(plan: UpgradePlan): string[] {
  const width = Math.max(...plan.nodes.map((n) => n.name.length), 4);
  return plan.nodes.map((n) => {
    const what =
      n.kind === 'skip'
        ? `${n.from} (no change)`
        : n.kind === 'uncordon'
          ? `${n.to} (uncordon)`
          : `${n.from} → ${n.to}`;
    return `  ${n.name.padEnd(width)}  ${n.role.padEnd(6)}  ${what}${n.note && n.kind !== 'skip' ? `  (${n.note})` : ''}`;
  });
}
