/**
 * How a firewall plan is applied safely: runtime rules first, then a check from this computer (a
 * new SSH login, and the cluster ports from the nodes that need them), and only then the
 * permanent rules. A guard started on the host first undoes the runtime rules by itself if the
 * app never comes back to disarm it (the connection was cut, the app died); the next run
 * settles any guard left behind before it changes anything.
 */
import { pathsOf, type PortPath } from '../checks/connectivity';
import type { FirewallKind } from '../facts';
import { flowNodes, flowShape, nodeFlows } from '../ports';
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
  return pathsOf(nodeFlows(flowNodes(spec), flowShape(spec)).filter((f) => f.to === node.nodeName));
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

/** Armed guards, one file per guard named by its random id, holding its undo lines. */
export const GUARD_DIR = '/var/lib/k3s-wizard/guards';

// Writes the guard's file from stdin, then detaches (nohup, every stream closed) a sleeper that
// claims the file by renaming it, and only then runs its lines. Disarming removes the file, so
// exactly one of the two wins; the id is random, so nothing else can ever disarm or fire it.
const GUARD_SCRIPT = [
  'd=$1; id=$2; s=$3',
  'install -d -m 0700 "$d" && cat > "$d/$id.tmp" && chmod 0600 "$d/$id.tmp" && mv -f "$d/$id.tmp" "$d/$id" || exit 1',
  `nohup sh -c 'sleep "$2"; mv "$1" "$1.fired" 2>/dev/null || exit 0; while IFS= read -r c; do sh -c "$c"; done < "$1.fired"; rm -f "$1.fired"' "k3s-wizard-guard-$id" "$d/$id" "$s" >/dev/null 2>&1 </dev/null &`,
  'echo armed',
].join('\n');

/** A fresh guard id: 16 hex digits. */
export const GUARD_ID = /^[0-9a-f]{16}$/;

function checkedId(id: string): string {
  if (!GUARD_ID.test(id)) throw new Error(`Not a guard id: ${id}`);
  return id;
}

/** Arms guard `id`: after `seconds` the host runs the lines of `guardLines` by itself. */
export function guardCommand(id: string, seconds: number): string {
  return shJoin([
    'sh',
    '-c',
    GUARD_SCRIPT,
    'k3s-wizard-firewall-guard',
    GUARD_DIR,
    checkedId(id),
    String(seconds),
  ]);
}

/** What guardCommand is fed: the undo lines of the runtime changes, newest first. */
export function guardLines(runtime: readonly FirewallChange[]): string {
  return undoLines(runtime);
}

/** Exit 0 only when the guard was still armed (and now never fires). */
export function disarmCommand(id: string): string {
  const script = 'rm "$1/$2" 2>/dev/null || exit 1; pkill -f "k3s-wizard-guard-$2" >/dev/null 2>&1; exit 0';
  return shJoin(['sh', '-c', script, 'k3s-wizard-disarm', GUARD_DIR, checkedId(id)]);
}

// Every guard an earlier run left armed (or half-written, or firing) is claimed, its sleeper
// stopped, and its lines run now: the earlier run's runtime rules are taken back at once, so no
// guard can fire later into this run. Prints one "settled ID" line per guard.
const SETTLE_SCRIPT = [
  'd=$1; [ -d "$d" ] || exit 0',
  'for f in "$d"/*; do',
  '  [ -f "$f" ] || continue',
  '  case $f in',
  '    *.tmp) rm -f "$f"; continue ;;',
  '    *.fired|*.settling) g=$f ;;',
  '    *) mv "$f" "$f.settling" 2>/dev/null || continue; g=$f.settling ;;',
  '  esac',
  '  id=${f##*/}; id=${id%%.*}',
  '  pkill -f "k3s-wizard-guard-$id" >/dev/null 2>&1',
  '  while IFS= read -r c; do sh -c "$c" >/dev/null 2>&1; done < "$g"',
  '  rm -f "$g"; echo "settled $id"',
  'done',
].join('\n');

/** Settles the guards of earlier runs on the host (see SETTLE_SCRIPT); run before anything else. */
export function settleCommand(): string {
  return shJoin(['sh', '-c', SETTLE_SCRIPT, 'k3s-wizard-settle', GUARD_DIR]);
}

/** Exit 0 when an earlier run left a guard on the host (for a dry run, which changes nothing). */
export function guardsLeftCommand(): string {
  return shJoin(['sh', '-c', 'ls "$1"/* >/dev/null 2>&1', 'k3s-wizard-guards', GUARD_DIR]);
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
