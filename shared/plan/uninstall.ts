/**
 * The uninstall plan: agents first (in parallel), then the further servers (one at a time, the
 * newest first), then the first server; on each, the uninstall script the installer left, then
 * the firewall rules k3s-wizard recorded when it added them. Last, the kubeconfig entry
 * k3s-wizard wrote on this computer.
 */
import { FIREWALL_UNDO_FILE } from '../firewall/apply';
import { shJoin } from '../shell';
import { agents, contextName, firstServer, servers } from '../spec/model';
import type { ClusterSpec, NodeSpec } from '../spec/schema';
import { STATE_DIR } from './install';
import { ROOTLESS_GONE, rootlessRemoveAction } from './rootless';
import type { Plan, PlanStep } from './types';

export const UNINSTALL_PHASES = [
  { id: 'remove-agents', title: 'Remove K3s from the agents' },
  { id: 'remove-servers', title: 'Remove K3s from the other servers' },
  { id: 'remove-first-server', title: 'Remove K3s from the first server' },
  { id: 'forget', title: 'Remove the kubeconfig entry on this computer' },
] as const;

const SCRIPTS = ['/usr/local/bin/k3s-agent-uninstall.sh', '/usr/local/bin/k3s-uninstall.sh'];

// Each uninstall script there, stopping at the first that fails; saying so when there is none.
const UNINSTALL_SCRIPT =
  'ran=; for s in "$@"; do if [ -x "$s" ]; then "$s" || exit $?; ran=1; fi; done; [ -n "$ran" ] || echo "K3s is not installed here."';

// Every recorded undo line, newest first; one that fails is reported, the others still run.
const FIREWALL_UNDO_SCRIPT =
  'if [ -f "$1" ]; then while IFS= read -r c; do [ -z "$c" ] || sh -c "$c" </dev/null >/dev/null 2>&1 || echo "could not undo: $c" >&2; done < "$1"; echo "firewall rules taken back"; fi; rm -rf -- "$2"';

const GONE = `! [ -e /usr/local/bin/k3s ] && ! [ -e ${SCRIPTS[0]} ] && ! [ -e ${SCRIPTS[1]} ] && ! [ -e ${STATE_DIR} ]`;

function removeStep(node: NodeSpec, phase: PlanStep['phase'], dependsOn: string[]): PlanStep {
  return {
    id: `uninstall:${node.nodeName}`,
    phase,
    host: node.nodeName,
    title: `Remove K3s ${node.role}${node.rootless ? ' (rootless)' : ''}`,
    actions: [
      ...(node.rootless ? [rootlessRemoveAction(node)] : []),
      {
        kind: 'exec',
        command: shJoin(['sh', '-c', UNINSTALL_SCRIPT, 'k3s-wizard-uninstall', ...SCRIPTS]),
        sudo: true,
        what: 'run the uninstall script K3s installed (k3s-agent-uninstall.sh or k3s-uninstall.sh)',
      },
      {
        kind: 'exec',
        command: shJoin([
          'sh',
          '-c',
          FIREWALL_UNDO_SCRIPT,
          'k3s-wizard-firewall-undo',
          FIREWALL_UNDO_FILE,
          STATE_DIR,
        ]),
        sudo: true,
        what: 'take back the firewall rules k3s-wizard added, and remove its folder',
      },
    ],
    secrets: [],
    alreadyDone: {
      command: shJoin(['sh', '-c', node.rootless ? `${GONE} && ${ROOTLESS_GONE}` : GONE]),
      sudo: false,
    },
    timeoutMs: 10 * 60_000,
    dependsOn,
    notes: [],
  };
}

export function buildUninstallPlan(spec: ClusterSpec): Plan {
  const first = firstServer(spec);
  const steps: PlanStep[] = [];
  const agentSteps = agents(spec).map((node) => removeStep(node, 'remove-agents', []));
  steps.push(...agentSteps);
  let previous = agentSteps.map((s) => s.id);
  for (const node of servers(spec).slice(1).reverse()) {
    const step = removeStep(node, 'remove-servers', previous);
    steps.push(step);
    previous = [step.id];
  }
  if (first) {
    const last = removeStep(
      first,
      'remove-first-server',
      steps.map((s) => s.id),
    );
    steps.push(last);
    steps.push({
      id: 'uninstall:kubeconfig',
      phase: 'forget',
      host: first.nodeName,
      title: `Remove context ${contextName(spec)} from the kubeconfig`,
      actions: [
        {
          kind: 'remove-kubeconfig',
          contextName: contextName(spec),
          file: spec.kubeconfig.file,
          what: `remove cluster, user and context ${contextName(spec)} from ${spec.kubeconfig.file === 'merge' ? '~/.kube/config' : 'its own kubeconfig file'}`,
        },
      ],
      secrets: [],
      alreadyDone: null,
      timeoutMs: 60_000,
      dependsOn: [last.id],
      notes: [],
    });
  }
  return { cluster: spec.name, phases: UNINSTALL_PHASES, steps, issues: [] };
}
