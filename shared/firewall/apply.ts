/**
 * How a firewall plan is applied safely: runtime rules first, then a check from this computer (a
 * new SSH login, and the cluster ports from the nodes that need them), and only then the
 * permanent rules. A guard started on the host first undoes the runtime rules by itself if the
 * app never comes back to disarm it (the connection was cut, the app died).
 */
import { pathsOf, type PortPath } from '../checks/connectivity';
import type { FirewallKind } from '../facts';
import { flowShape, nodeFlows } from '../ports';
import { shJoin } from '../shell';
import type { ClusterSpec, NodeSpec } from '../spec/schema';
import type { FirewallCommand } from './types';

/** One change as the engine runs it: a command line, and the lines that take it back. */
export interface FirewallChange {
  command: string;
  undo: string[];
  what: string;
}

export interface FirewallApplyPlan {
  runtime: FirewallChange[];
  permanent: FirewallChange[];
  /** Prints the firewall's current rules, to compare before and after a rollback. */
  state: string | null;
  /** Connections into this node checked before the rules are made permanent. */
  paths: PortPath[];
  /** The host undoes the runtime rules by itself after this many seconds unless disarmed. */
  guardSeconds: number;
}

export const GUARD_SECONDS = 180;

/** Undo lines of every change k3s-wizard made permanent on the host, newest first (for uninstall). */
export const FIREWALL_UNDO_FILE = '/var/lib/k3s-wizard/firewall.undo';

// Puts stdin's lines before the file's (newest first), 0600, in a folder only root reads.
const RECORD_SCRIPT =
  'install -d -m 0700 "$(dirname "$1")" && { cat; cat "$1" 2>/dev/null || true; } > "$1.tmp" && chmod 0600 "$1.tmp" && mv -f "$1.tmp" "$1"';

export function recordUndoCommand(): string {
  return shJoin(['sh', '-c', RECORD_SCRIPT, 'k3s-wizard-record', FIREWALL_UNDO_FILE]);
}

/** What recordUndoCommand is fed: the undo lines of `changes`, newest change first. */
export function undoLines(changes: readonly FirewallChange[]): string {
  return [...changes]
    .reverse()
    .flatMap((c) => c.undo)
    .map((line) => `${line}\n`)
    .join('');
}

/** firewall-cmd --permanent changes only the saved configuration; everything else acts now. */
export function isPermanent(argv: readonly string[]): boolean {
  return argv[0] === 'firewall-cmd' && argv.includes('--permanent');
}

function change(command: FirewallCommand): FirewallChange {
  return {
    command: shJoin(command.argv),
    undo: command.undo.map((argv) => shJoin(argv)),
    what: command.what,
  };
}

const STATE: Partial<Record<FirewallKind, string>> = {
  firewalld: 'systemctl is-active firewalld; firewall-cmd --list-all-zones 2>/dev/null',
  ufw: 'ufw status verbose',
};

/** Every flow of the flow table into `node` from the other nodes, one path per port tested. */
export function firewallPaths(spec: ClusterSpec, node: NodeSpec): PortPath[] {
  const nodes = spec.nodes.map((n) => ({ id: n.nodeName, role: n.role }));
  return pathsOf(nodeFlows(nodes, flowShape(spec)).filter((f) => f.to === node.nodeName));
}

export function firewallApplyPlan(
  commands: readonly FirewallCommand[],
  options: { tool: FirewallKind | null; paths: PortPath[] },
): FirewallApplyPlan {
  return {
    runtime: commands.filter((c) => !isPermanent(c.argv)).map(change),
    permanent: commands.filter((c) => isPermanent(c.argv)).map(change),
    state: options.tool ? (STATE[options.tool] ?? null) : null,
    paths: options.paths,
    guardSeconds: GUARD_SECONDS,
  };
}

// Detached from the SSH session (nohup, every stream closed): sleeps, then runs each undo line.
// Prints its PID, which disarming kills.
const GUARD_SCRIPT =
  's=$1; shift; nohup sh -c \'sleep "$0"; for c in "$@"; do sh -c "$c"; done\' "$s" "$@" >/dev/null 2>&1 </dev/null & echo $!';

/** The command that arms the guard: undoes `applied` (in reverse) after `seconds`. */
export function guardCommand(seconds: number, runtime: readonly FirewallChange[]): string {
  const undo = [...runtime].reverse().flatMap((c) => c.undo);
  return shJoin(['sh', '-c', GUARD_SCRIPT, 'k3s-wizard-firewall-guard', String(seconds), ...undo]);
}

/** Exit 0 only when the guard was still waiting (and now never fires). */
export function disarmCommand(pid: number): string {
  return shJoin(['kill', String(pid)]);
}

/** The same rules, whatever order firewalld or ufw prints them in. */
export function sameRules(before: string, after: string): boolean {
  const norm = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim().split(/\s+/).sort().join(' '))
      .filter(Boolean)
      .sort()
      .join('\n');
  return norm(before) === norm(after);
}
