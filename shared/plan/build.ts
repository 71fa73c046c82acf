/**
 * buildPlan: from a spec and whatever facts are known, the ordered steps that make the cluster.
 * prepare hosts → first server → token and kubeconfig → further servers (one at a time, as etcd
 * wants) → agents (in parallel) → verify. Hosts without facts are planned conservatively and the
 * plan says what it assumed.
 */
import { isIP } from '../spec/cidr';
import { hasErrors, type SpecIssue } from '../spec/issues';
import {
  agents,
  apiUrl,
  contextName,
  firstServer,
  joinAddress,
  servers,
  usesEmbeddedEtcd,
  type FactsByNode,
} from '../spec/model';
import {
  certificateCovers,
  certificateNames,
  joinHost as clusterJoinHost,
  joinUrl as clusterJoinUrl,
  kubeconfigUrl,
  advertisedPort,
  kubernetesServiceIp,
  listenPort,
} from '../spec/listener';
import { DEFAULT_API_PORT, type ClusterSpec, type NodeSpec } from '../spec/schema';
import { validateSpec } from '../spec/validate';
import { shJoin } from '../shell';
import type { AirgapInventory } from './artifacts';
import { factIssues } from './fact-issues';
import { installStep, type InstallContext } from './install';
import { cgroupStep, firewallStep } from './prepare';
import { readyAction } from './ready';
import { rootlessInstallStep, ROOTLESS_KUBECONFIG, serverKubectl } from './rootless';
import { PHASES, type PhaseId, type PlanAction, type PlanResult, type PlanStep } from './types';

export interface BuildPlanOptions {
  /** What the air-gap folder holds (listed by the caller); null plans with the usual names. */
  airgap?: AirgapInventory | null;
}

function prepareSteps(
  spec: ClusterSpec,
  node: NodeSpec,
  facts: FactsByNode,
  issues: SpecIssue[],
): PlanStep[] {
  const index = spec.nodes.indexOf(node);
  const steps: PlanStep[] = [];
  const { plan, step } = firewallStep(spec, node, facts);
  // An unprobed host is covered by one plan-wide warning.
  for (const check of facts[node.nodeName] ? plan.checks : []) {
    if (check.severity !== 'info')
      issues.push({
        path: `nodes[${index}].firewall`,
        severity: check.severity,
        message: `${node.nodeName}: ${check.message}`,
      });
  }
  if (step) steps.push({ ...step, dependsOn: [] });
  const f = facts[node.nodeName];
  const cgroup = f ? cgroupStep(node, f) : null;
  if (cgroup) steps.push({ ...cgroup, dependsOn: steps.map((s) => s.id) });
  return steps;
}

// Through the in-cluster `kubernetes` service, as metrics-server and local-path-provisioner reach
// the API: the node's own service rules map 10.43.0.1:443 to the API's endpoint.
const SERVICE_CHECK = [
  'out=$(/usr/local/bin/k3s kubectl --server "https://$1:443" get --raw /readyz 2>&1) && exit 0',
  'printf "%s\\n%s\\n" "$out" "$2" >&2; exit 1',
].join('\n');

/**
 * With an API port other than 6443 on `server`: the documented trap, tested where it bites, on
 * that server (its own service rules, its own port).
 */
function serviceCheck(spec: ClusterSpec, server: NodeSpec): PlanAction | null {
  const port = listenPort(spec, server);
  // Advertised elsewhere (a forwarder maps the port): the service leads there, so check too.
  const advertised = advertisedPort(spec, server);
  const ip = kubernetesServiceIp(spec);
  // Rootless: the service network lives in K3s's own namespace, not reachable from the host.
  if ((port === DEFAULT_API_PORT && advertised === DEFAULT_API_PORT) || !ip || server.rootless) return null;
  const on = servers(spec).length > 1 ? ` on ${server.nodeName}` : '';
  const fix =
    advertised === port
      ? `The in-cluster kubernetes service (${ip}:443) does not reach the API${on} on port ${port}: metrics-server, local-path-provisioner and other in-cluster clients fail with “connection refused” to https://${ip}:443. Fix: the kubernetes endpoints must list each server at the port it is reached on (check with kubectl get endpoints kubernetes); set advertise-port: ${port} on every server (or go back to port 6443) and restart k3s.`
      : `The in-cluster kubernetes service (${ip}:443) does not reach the API${on} on port ${port} through its advertised port ${advertised}: metrics-server, local-path-provisioner and other in-cluster clients fail with “connection refused” to https://${ip}:443. Fix: the forwarder on ${server.nodeName} must map port ${advertised} to ${port} for connections made on the machine itself too (check with kubectl get endpoints kubernetes), or give every server the same listen port and no advertise port.`;
  return {
    kind: 'wait-for',
    check: { command: shJoin(['sh', '-c', SERVICE_CHECK, 'k3s-wizard-service', ip, fix]), sudo: true },
    intervalMs: 5000,
    timeoutMs: 60_000,
    what: `check that the in-cluster kubernetes service (${ip}:443) reaches the API${on} on port ${port}${advertised === port ? '' : ` (advertised at ${advertised})`}`,
  };
}

/**
 * The same check on a further server whose API listens (or is advertised) on a port other than
 * 6443, once it has joined: its own service rules, its own port.
 */
function serverServiceStep(spec: ClusterSpec, server: NodeSpec, installed: string): PlanStep | null {
  const action = serviceCheck(spec, server);
  if (!action) return null;
  return {
    id: `servers:service:${server.nodeName}`,
    phase: 'servers',
    host: server.nodeName,
    title: `Check that the in-cluster kubernetes service reaches ${server.nodeName}’s API on port ${listenPort(spec, server)}`,
    actions: [action],
    secrets: [],
    alreadyDone: null,
    timeoutMs: 5 * 60_000,
    dependsOn: [installed],
    notes: [],
  };
}

function verifyStep(spec: ClusterSpec, first: NodeSpec, dependsOn: string[], facts: FactsByNode): PlanStep {
  const host = first.nodeName;
  // Every node Ready: one node list per try answers for all of them.
  const actions: PlanAction[] = [readyAction(spec.nodes, facts, spec, first)];
  // CoreDNS is always deployed (no spec option disables it).
  actions.push({
    kind: 'wait-for',
    check: serverKubectl(spec, first, [
      '-n',
      'kube-system',
      'rollout',
      'status',
      'deployment/coredns',
      '--timeout=10s',
    ]),
    intervalMs: 5000,
    timeoutMs: 5 * 60_000,
    // What this checks, exactly: the CoreDNS deployment is rolled out (its pods run). No name
    // is looked up through it; the flows between the nodes are tested after this step's actions.
    what: 'wait until the CoreDNS deployment is rolled out (its pods run; no DNS lookup is made)',
  });
  const service = serviceCheck(spec, first);
  if (service) actions.push(service);
  return {
    id: 'verify:cluster',
    phase: 'verify',
    host,
    title: service
      ? `Check that every node is Ready, CoreDNS is rolled out, the in-cluster kubernetes service reaches the API on port ${listenPort(spec, first)} and the nodes reach each other`
      : 'Check that every node is Ready, CoreDNS is rolled out and the nodes reach each other',
    actions,
    secrets: [],
    alreadyDone: null,
    timeoutMs: 10 * 60_000,
    dependsOn,
    notes: [],
    nodeList: serverKubectl(spec, first, ['get', 'nodes', '-o', 'json']),
  };
}

/**
 * Air-gap: one step on this computer checks every file the install steps upload against its
 * checksum, and every install step waits for it, so a missing or corrupt file stops the run
 * before anything is copied anywhere.
 */
function addFileCheck(steps: PlanStep[], host: string, folder: string): void {
  const files = new Map<string, string | null>();
  for (const step of steps)
    for (const action of step.actions)
      if (action.kind === 'upload')
        files.set(action.localFile, action.sha256 ?? files.get(action.localFile) ?? null);
  if (!files.size) return;
  const id = 'prepare:airgap-files';
  for (const step of steps) if (step.actions.some((a) => a.kind === 'upload')) step.dependsOn.push(id);
  steps.unshift({
    id,
    phase: 'prepare',
    host,
    title: `Check the air-gap files in ${folder}`,
    actions: [
      {
        kind: 'check-files',
        files: [...files].map(([localFile, sha256]) => ({ localFile, sha256 })),
        what: `check ${files.size} files against their sha256 sums (on this computer)`,
      },
    ],
    secrets: [],
    alreadyDone: null,
    timeoutMs: 10 * 60_000,
    dependsOn: [],
    notes: [],
  });
}

export function buildPlan(
  spec: ClusterSpec,
  facts: FactsByNode = {},
  options: BuildPlanOptions = {},
): PlanResult {
  const issues: SpecIssue[] = [...validateSpec(spec, facts), ...factIssues(spec, facts)];
  const first = firstServer(spec);
  if (!first || hasErrors(issues)) return { ok: false, issues };

  const unprobed = spec.nodes.filter((n) => !facts[n.nodeName]).map((n) => n.nodeName);
  if (unprobed.length) {
    issues.push({
      path: 'nodes',
      severity: 'warning',
      message: `Not probed: ${unprobed.join(', ')}. The plan assumes no firewall and no Raspberry Pi fix there, and lets the install script pick the architecture. Probe the machines (or pass --facts) for an exact plan.`,
    });
  }
  const joinHost = clusterJoinHost(spec, facts) ?? joinAddress(first, facts[first.nodeName]);
  const joinUrl = clusterJoinUrl(spec, facts) ?? apiUrl(spec, joinHost);
  if (
    !isIP(joinHost) &&
    !certificateCovers(certificateNames(spec, first, facts[first.nodeName]).names, joinHost)
  ) {
    issues.push({
      path: 'networking.tlsSans',
      severity: 'warning',
      message: `Nodes will join ${first.nodeName} at ${joinHost}, a host name that is not in tlsSans: add it, or set the first server’s nodeIp.`,
    });
  }
  const ctx: InstallContext = { spec, facts, inventory: options.airgap ?? null, issues };
  const steps: PlanStep[] = [];
  const prepared = new Map<string, string[]>();
  for (const node of spec.nodes) {
    const prep = prepareSteps(spec, node, facts, issues);
    steps.push(...prep);
    prepared.set(
      node.nodeName,
      prep.map((s) => s.id),
    );
  }
  const install = (node: NodeSpec, phase: PhaseId, dependsOn: string[], joins: boolean): PlanStep => ({
    ...(node.rootless && node.role === 'server' && !node.adopted ? rootlessInstallStep : installStep)(ctx, {
      node,
      index: spec.nodes.indexOf(node),
      joinUrl: joins ? joinUrl : null,
      clusterInit: !joins && usesEmbeddedEtcd(spec),
    }),
    phase,
    dependsOn: [...dependsOn, ...(prepared.get(node.nodeName) ?? [])],
  });

  const firstStep = install(first, 'first-server', [], false);
  steps.push(firstStep);
  const joiners = [...servers(spec).slice(1), ...agents(spec)];
  const tokenStep: PlanStep | null = joiners.length
    ? {
        id: 'credentials:token',
        phase: 'credentials',
        host: first.nodeName,
        title: 'Read the join token',
        actions: [
          {
            kind: 'read-secret',
            path: '/var/lib/rancher/k3s/server/token',
            as: 'token',
            sudo: true,
            what: 'read the cluster token (kept in memory only)',
          },
        ],
        secrets: [],
        alreadyDone: null,
        timeoutMs: 60_000,
        dependsOn: [firstStep.id],
        notes: [],
      }
    : null;
  if (tokenStep) steps.push(tokenStep);
  const server = kubeconfigUrl(spec) ?? apiUrl(spec, joinHost);
  steps.push({
    id: 'credentials:kubeconfig',
    phase: 'credentials',
    host: first.nodeName,
    title: `Save the kubeconfig as context ${contextName(spec)}`,
    actions: [
      {
        kind: 'read-secret',
        // rootless: the one K3s writes in the user's home
        path: first.rootless ? `~/${ROOTLESS_KUBECONFIG}` : '/etc/rancher/k3s/k3s.yaml',
        as: 'kubeconfig',
        sudo: !first.rootless,
        what: 'read the admin kubeconfig (kept in memory only)',
      },
      {
        kind: 'save-kubeconfig',
        from: 'kubeconfig',
        server,
        contextName: contextName(spec),
        file: spec.kubeconfig.file,
        what: `${spec.kubeconfig.file === 'merge' ? 'merge it into ~/.kube/config' : 'save it as a file of its own'}, pointing at ${server}`,
      },
    ],
    secrets: [],
    alreadyDone: null,
    timeoutMs: 60_000,
    dependsOn: [firstStep.id],
    notes: [],
  });
  const tokenDeps = tokenStep ? [tokenStep.id] : [];
  let previous = firstStep.id;
  const installs = [firstStep.id];
  for (const node of servers(spec).slice(1)) {
    const step = install(node, 'servers', [...tokenDeps, previous], true);
    steps.push(step);
    installs.push(step.id);
    previous = step.id;
    const service = serverServiceStep(spec, node, step.id);
    if (service) {
      steps.push(service);
      installs.push(service.id);
    }
  }
  for (const node of agents(spec)) {
    const step = install(node, 'agents', tokenDeps, true);
    steps.push(step);
    installs.push(step.id);
  }
  // After the kubeconfig too: the step ends by listing the nodes from this computer with it.
  steps.push(verifyStep(spec, first, [...installs, 'credentials:kubeconfig'], facts));
  if (spec.install.source === 'airgap') addFileCheck(steps, first.nodeName, spec.install.folder);
  if (hasErrors(issues)) return { ok: false, issues };
  return { ok: true, plan: { cluster: spec.name, phases: PHASES, steps, issues } };
}
