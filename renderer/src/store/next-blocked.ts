/** Why Next is disabled on a step, saying where the problem is; null when the user can go on. */
import type { SpecIssue } from '../../../shared/spec';
import { STEPS, type StepId } from '../steps/steps';
import type { HostEntry } from './hosts-slice';

const SECTION: Record<string, string> = {
  name: 'Name',
  k3s: 'K3s version',
  install: 'Install source',
  ha: 'Servers',
  nodes: 'Servers',
  networking: 'Networking',
  disable: 'Components',
  kubeconfig: 'Kubeconfig',
  firewall: 'Firewall',
};

/** The step where an issue is shown and fixed, and the words for where on it. */
export function issuePlace(issue: SpecIssue, hosts: readonly HostEntry[]): { step: StepId; where: string } {
  const node = /^nodes\[(\d+)\](?:\.(\w+))?/.exec(issue.path);
  if (node) {
    const address = hosts[Number(node[1])]?.address ?? `machine ${Number(node[1]) + 1}`;
    if (node[2] === 'firewall') return { step: 'firewall', where: `Firewall choice for ${address}` };
    // Listener options and node naming are set on the Cluster step.
    if (['listener', 'nodeExternalIp', 'withNodeId', 'rootless'].includes(node[2] ?? ''))
      return { step: 'cluster', where: `Listener of ${hosts[Number(node[1])]?.nodeName || address}` };
    return { step: 'hosts', where: node[2] === 'nodeName' ? `Node name of ${address}` : address };
  }
  if (issue.path.startsWith('networking.endpoint'))
    return { step: 'cluster', where: 'API listener and node names' };
  const head = issue.path.split(/[.[]/)[0] ?? '';
  if (head === 'firewall') return { step: 'firewall', where: 'Firewall' };
  return { step: 'cluster', where: SECTION[head] ?? 'the cluster settings' };
}

function list(places: string[]): string {
  const unique = [...new Set(places)];
  const shown = unique.slice(0, 3).map((p) => `“${p}”`);
  const rest = unique.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(shown.length === 2 ? ' and ' : ', ');
}

export function nextBlockedBecause(
  step: StepId,
  state: { hosts: readonly HostEntry[]; issues: readonly SpecIssue[]; installed: boolean },
): string | null {
  const { hosts, issues } = state;
  if (step === 'hosts' && hosts.length === 0) return 'Add at least one machine to continue.';
  if (step === 'hosts' && !hosts.some((h) => h.role === 'server'))
    return 'Choose at least one machine as the server.';
  const errors = issues.filter((i) => i.severity === 'error').map((i) => issuePlace(i, hosts));
  const here = errors.filter((e) => e.step === step);
  if (here.length > 0) return `Fix ${list(here.map((e) => e.where))} above to continue.`;
  if (step === 'review' && errors.length > 0) {
    const first = errors[0]!;
    const title = STEPS.find((s) => s.id === first.step)?.title ?? first.step;
    return `Fix ${list(errors.filter((e) => e.step === first.step).map((e) => e.where))} on the ${title} step first.`;
  }
  if (step === 'install' && !state.installed) return 'Install the cluster to continue.';
  return null;
}
