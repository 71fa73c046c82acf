/**
 * Machines into clusters: by the roster's group column, or split into N clusters in roster order
 * (desk order); one server per cluster (the roster's `server`, else its first machine), the rest
 * agents. Then moves between clusters, and each cluster as an ordinary cluster spec.
 */
import { ClusterSpec, type ClusterSpecInput } from '../spec/schema';
import { formatIssue } from '../spec/issues';
import { validateSpec } from '../spec/validate';
import { nodeNameProblem } from '../validate';
import type { Preset } from './preset';
import { MAX_CLUSTERS, type RosterMachine } from './roster';

export interface FleetMachine extends RosterMachine {
  group: string;
  role: 'server' | 'agent';
}

export interface FleetCluster {
  group: string;
  machines: FleetMachine[];
}

/** Group names for N clusters: a, b, … z, then g27, g28, … */
export function groupName(index: number): string {
  return index < 26 ? String.fromCharCode(97 + index) : `g${index + 1}`;
}

/** The first machine marked server leads; without one, the first machine is the server. */
function withRoles(group: string, machines: RosterMachine[]): FleetCluster {
  const serverAt = Math.max(
    0,
    machines.findIndex((m) => m.role === 'server'),
  );
  const ordered = [machines[serverAt]!, ...machines.filter((_, i) => i !== serverAt)];
  return {
    group,
    machines: ordered.map((m, i) => ({ ...m, group, role: i === 0 ? 'server' : 'agent' })),
  };
}

export function assignByGroup(machines: RosterMachine[]): FleetCluster[] {
  const groups = new Map<string, RosterMachine[]>();
  for (const m of machines) {
    if (!m.group)
      throw new Error(`${m.address} has no group: give every machine one, or split into N clusters.`);
    groups.set(m.group, [...(groups.get(m.group) ?? []), m]);
  }
  if (groups.size > MAX_CLUSTERS) throw new Error(`${groups.size} groups; at most ${MAX_CLUSTERS} clusters.`);
  return [...groups].map(([group, list]) => withRoles(group, list));
}

/** Contiguous, balanced: 30 machines into 10 clusters of 3; 7 into 3 gives 3, 2, 2. */
export function assignInto(machines: RosterMachine[], count: number): FleetCluster[] {
  if (!Number.isInteger(count) || count < 1) throw new Error('The number of clusters must be 1 or more.');
  if (count > MAX_CLUSTERS) throw new Error(`At most ${MAX_CLUSTERS} clusters.`);
  if (count > machines.length)
    throw new Error(`${count} clusters need at least ${count} machines; the roster has ${machines.length}.`);
  const out: FleetCluster[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(machines.length / count) + (i < machines.length % count ? 1 : 0);
    out.push(withRoles(groupName(i), machines.slice(at, at + size)));
    at += size;
  }
  return out;
}

/** By the group column when every machine has one; otherwise into `count` clusters. */
export function assign(machines: RosterMachine[], count?: number): FleetCluster[] {
  if (machines.length && machines.every((m) => m.group) && count === undefined)
    return assignByGroup(machines);
  if (count === undefined)
    throw new Error(
      'The roster has no group column: say how many clusters to make (--clusters N or clusters: in the preset).',
    );
  return assignInto(machines, count);
}

/**
 * Moves a machine to another cluster (the last place, or `index`). A cluster that loses its
 * server gets its next machine as server; a cluster left empty disappears.
 */
export function moveMachine(
  clusters: FleetCluster[],
  address: string,
  toGroup: string,
  index?: number,
): FleetCluster[] {
  const from = clusters.find((c) => c.machines.some((m) => m.address === address));
  const to = clusters.find((c) => c.group === toGroup);
  if (!from) throw new Error(`${address} is not in the roster.`);
  if (!to) throw new Error(`There is no cluster ${toGroup}.`);
  const machine = from.machines.find((m) => m.address === address)!;
  return clusters
    .map((c) => {
      let list: RosterMachine[] = c.machines.filter((m) => m.address !== address);
      if (c.group === toGroup) {
        const at = index === undefined ? list.length : Math.max(0, Math.min(index, list.length));
        list = [...list.slice(0, at), { ...machine, role: 'agent' as const }, ...list.slice(at)];
      }
      // Keeps the server where it was, unless it left (then the first machine takes over).
      const server = list.find((m) => m.role === 'server');
      const rest = list.filter((m) => m !== server);
      return { group: c.group, list: server ? [server, ...rest] : rest };
    })
    .filter((c) => c.list.length > 0)
    .map((c) => ({
      group: c.group,
      machines: c.list.map((m, i) => ({
        ...m,
        group: c.group,
        role: i === 0 ? ('server' as const) : ('agent' as const),
      })),
    }));
}

/** The node name of the n-th machine (1-based) of a group, by the naming scheme. */
export function nodeNameFor(scheme: string, group: string, n: number): string {
  return scheme.replaceAll('<group>', group).replaceAll('<n>', String(n));
}

export function clusterName(preset: Preset, group: string): string {
  return `${preset.name}-${group}`;
}

/**
 * Each cluster as an ordinary cluster spec (the one the engine runs). Names come from the roster
 * or the naming scheme; every spec is checked as a cluster file would be, problems named.
 */
export function fleetSpecs(clusters: FleetCluster[], preset: Preset): ClusterSpec[] {
  const names = new Map<string, string>();
  const problems: string[] = [];
  const specs = clusters.map((cluster) => {
    const name = clusterName(preset, cluster.group);
    const input: ClusterSpecInput = {
      apiVersion: 'k3s-wizard/v1',
      kind: 'Cluster',
      name,
      k3s: preset.k3s,
      install: preset.install,
      disable: preset.disable,
      firewall: { policy: preset.firewall.policy, clients: 'anywhere' },
      kubeconfig: { contextName: name, file: 'merge' },
      nodes: cluster.machines.map((m, i) => {
        const nodeName = m.name ?? nodeNameFor(preset.naming, cluster.group, i + 1);
        const clash = names.get(nodeName);
        if (clash) problems.push(`${m.address} and ${clash} would both be called ${nodeName}.`);
        names.set(nodeName, m.address);
        const bad = nodeNameProblem(nodeName);
        if (bad) problems.push(`${m.address}: ${bad}`);
        return {
          address: m.address,
          port: m.port ?? preset.login.port,
          user: m.user ?? preset.login.user,
          auth: preset.login.auth,
          sudo: preset.login.sudo,
          role: m.role,
          nodeName,
        };
      }),
    };
    const parsed = ClusterSpec.safeParse(input);
    if (!parsed.success) {
      problems.push(
        `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
      return null;
    }
    for (const issue of validateSpec(parsed.data).filter((i) => i.severity === 'error'))
      problems.push(`${name}: ${formatIssue(issue)}`);
    return parsed.data;
  });
  if (problems.length) throw new Error(problems.join('\n'));
  return specs.filter((s): s is ClusterSpec => s !== null);
}
