/**
 * What the engine knows about K3s beyond the plan: which unit a step's host runs, which action
 * is the install script, the journal, watching a join while the install script blocks, and
 * removing a stale node object before a reinstalled machine joins again.
 */
import { shJoin } from '../../shared/shell';
import { runsInstallScript, type HostCheck, type PlanAction, type PlanStep } from '../../shared/plan';
import type { ExecOutcome, HostRunner } from './host-runner';

export type K3sUnit = 'k3s' | 'k3s-agent' | 'k3s-rootless';

export function unitOf(step: PlanStep): K3sUnit | null {
  if (step.unit) return step.unit;
  if (step.phase === 'agents') return 'k3s-agent';
  if (step.phase === 'first-server' || step.phase === 'servers') return 'k3s';
  return null;
}

/** Joining steps connect to a server that is already up. */
export function joins(step: PlanStep): boolean {
  return step.phase === 'agents' || step.phase === 'servers';
}

/** The nodes as the server lists them (JSON), run as root there. */
export const NODE_LIST_COMMAND = '/usr/local/bin/k3s kubectl get nodes -o json';

/** What the verify step's node list is for (named in its errors; a shell started ahead is found by it). */
export const NODE_LIST_WHAT = 'list the nodes';

/** How the verify step's host lists the nodes: as the plan says (a rootless server's user), else as root. */
export function nodeListCheck(step: Pick<PlanStep, 'nodeList'>): HostCheck {
  return step.nodeList ?? { command: NODE_LIST_COMMAND, sudo: true };
}

export function isInstallScript(action: PlanAction): boolean {
  return action.kind === 'exec' && runsInstallScript(action.command);
}

export function isDownload(action: PlanAction): boolean {
  return action.kind === 'exec' && /\b(curl|wget)\b/.test(action.command);
}

export function journalCommand(unit: K3sUnit, options: { lines: number; sinceSeconds?: number }): string {
  return shJoin([
    'journalctl',
    // a rootless server's user unit, read by root (--user-unit would match root's own units only)
    ...(unit === 'k3s-rootless' ? [`_SYSTEMD_USER_UNIT=${unit}.service`] : ['-u', unit]),
    '-n',
    String(options.lines),
    '--no-pager',
    ...(options.sinceSeconds ? ['--since', `-${options.sinceSeconds}s`] : []),
  ]);
}

/** The last lines of the unit's journal, or '' when it cannot be read. */
export async function readJournal(
  runner: HostRunner,
  unit: K3sUnit,
  signal: AbortSignal,
  options: { lines: number; sinceSeconds?: number } = { lines: 40 },
): Promise<string> {
  try {
    const r = await runner.exec({
      command: journalCommand(unit, options),
      sudo: true,
      timeoutMs: 20_000,
      signal,
      what: `read the ${unit} journal`,
    });
    return r.stdout.includes('-- No entries --') ? '' : r.stdout;
  } catch {
    return '';
  }
}

// Node password file: K3s writes it when a node first registers; uninstalling removes it.
const NODE_PASSWORD = '/etc/rancher/node/password';
/** Exits 0 when the machine still has its K3s node identity (run as root). */
export const NODE_IDENTITY_CHECK = shJoin(['test', '-e', NODE_PASSWORD]);
// The node object, and its node-password secret (kube-system/<node>.node-password.k3s): K3s
// checks a joining node's password against that secret, and one left behind (a node deleted
// while its server was down, older releases) refuses the reinstalled machine just the same.
// K3s deletes the secret with the node; it is asked again for the releases that did not.
const DELETE_NODE = [
  'k=/usr/local/bin/k3s',
  '$k kubectl delete node "$1" --ignore-not-found || exit',
  '$k kubectl -n kube-system delete secret "$1.node-password.k3s" --ignore-not-found',
].join('\n');

/** Deletes a node object and its node-password secret, through a server (each only if present). */
export function deleteNode(options: {
  server: HostRunner;
  node: string;
  signal: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}): Promise<ExecOutcome> {
  return options.server.exec({
    command: shJoin(['sh', '-c', DELETE_NODE, 'k3s-wizard-delete-node', options.node]),
    sudo: true,
    timeoutMs: 60_000,
    signal: options.signal,
    what: `delete node ${options.node} and its node-password secret`,
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
}

/**
 * A machine that lost its K3s (reinstalled, re-flashed) but whose node object or node-password
 * secret is still in the cluster would be refused as a duplicate: delete them first. Called for a machine
 * without its node password (NODE_IDENTITY_CHECK fails); one that still has it is the same node
 * and is left alone. Best effort: what was deleted, or null.
 */
export async function deleteStaleNode(options: {
  firstServer: HostRunner;
  node: string;
  signal: AbortSignal;
}): Promise<string | null> {
  const { firstServer, node, signal } = options;
  const r = await deleteNode({ server: firstServer, node, signal });
  return r.code === 0 && r.stdout.includes('deleted') ? r.stdout.trim() : null;
}
