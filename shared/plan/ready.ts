/**
 * The verify step's "is every node Ready": one node list read on the first server answers for
 * every node (not one kubectl per node, each its own round trip), tried until all of them are
 * Ready. When some are not, the check names each of them and why, one line each.
 */
import { nodeAddress, type FactsByNode } from '../spec/model';
import type { NodeSpec } from '../spec/schema';
import { shJoin } from '../shell';
import { kubectlWords } from './rootless';
import type { PlanAction } from './types';

/** One line per node: name|Ready status|InternalIPs (names, statuses and addresses hold no "|"). */
const NODE_LINES =
  'jsonpath={range .items[*]}{.metadata.name}{"|"}{.status.conditions[?(@.type=="Ready")].status}{"|"}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}';

// $1: the jsonpath; then four words per node: its name in the plan, the name K3s gives it (empty
// with-node-id: <host name>-<id>, known only once it joined, so it is found by its host name
// prefix and its InternalIP), that prefix, that address (empty: any).
const READY_ALL = `list=$(/usr/local/bin/k3s kubectl get nodes -o "$1" 2>&1) || { printf '%s\\n' "$list" >&2; list=; none='the node list could not be read'; }
shift
missing=0
while [ "$#" -ge 4 ]; do
  why=\${none:-'not in the node list'}
  while IFS='|' read -r n r a; do
    if [ -n "$2" ]; then [ "$n" = "$2" ] || continue
    else
      case "$n" in "$3"?*) ;; *) continue ;; esac
      [ -z "$4" ] || case " $a " in *" $4 "*) ;; *) continue ;; esac
    fi
    if [ "$r" = True ]; then why=; break; fi
    why="listed as $n, Ready: \${r:-not reported}"
  done <<EOF
$list
EOF
  [ -z "$why" ] || { echo "k3s-wizard: not Ready: $1 ($why)" >&2; missing=$((missing + 1)); }
  shift 4
done
[ "$missing" = 0 ]`;

// The kubectl of the first server: root's, or a rootless server's user's (shared/plan/rootless.ts).
const head = (kubectl: string) => [
  'sh',
  '-c',
  READY_ALL.replace('/usr/local/bin/k3s kubectl', kubectl),
  'k3s-wizard-ready',
  NODE_LINES,
];
// What follows the script in every such command, whichever kubectl it uses.
const TAIL = ` ${shJoin(['k3s-wizard-ready', NODE_LINES])} `;

/** How the check finds a node in the list: by its name, or (with-node-id) by host name and address. */
function target(node: NodeSpec, facts: FactsByNode): { words: string[]; said: string } {
  if (!node.withNodeId) return { words: [node.nodeName, node.nodeName, '', ''], said: node.nodeName };
  const f = facts[node.nodeName];
  const prefix = f?.hostname ? `${f.hostname.toLowerCase()}-` : '';
  const address = nodeAddress(node, f) ?? '';
  return {
    words: [node.nodeName, '', prefix, address],
    said: `${node.nodeName} (named ${prefix || '<host name>-'}<id> by K3s${address ? `, at ${address}` : ''})`,
  };
}

/**
 * The one wait of the verify step for every node: Ready, all of them, by one node list each try,
 * read on the first server (as its user when it runs rootless).
 */
export function readyAction(
  nodes: readonly NodeSpec[],
  facts: FactsByNode,
  spec: { networking: { apiPort: number } },
  first: NodeSpec | undefined,
): PlanAction {
  const targets = nodes.map((node) => target(node, facts));
  const rootless = Boolean(first?.rootless);
  const kubectl = kubectlWords(spec, first);
  return {
    kind: 'wait-for',
    check: {
      command: shJoin([...head(kubectl), ...targets.flatMap((t) => t.words)]),
      sudo: !rootless,
      ...(rootless ? { asUser: true } : {}),
    },
    // One kubectl on the first server per try: cheap enough to ask often.
    intervalMs: 2000,
    timeoutMs: 5 * 60_000,
    what: `wait until every node is Ready: ${targets.map((t) => t.said).join(', ')}`,
  };
}

/** The nodes (their names in the plan) a verify step's "is every node Ready" asks about; null for any other command. */
export function readyCheckNodes(command: string): string[] | null {
  const at = command.lastIndexOf(TAIL);
  if (!command.startsWith('sh -c ') || at < 0) return null;
  const words = command.slice(at + TAIL.length).split(' ');
  // Every word as shJoin writes it: a plain one, or '' for an empty one.
  const plain = (w: string) => (w === "''" ? '' : shJoin([w]) === w ? w : null);
  const values = words.map(plain);
  if (values.length % 4 !== 0 || values.some((v) => v === null)) return null;
  return values.filter((_, i) => i % 4 === 0) as string[];
}

/** The nodes the check's output says are not Ready, each with why ("not in the node list", …). */
export function notReadyNodes(output: readonly string[]): { node: string; why: string }[] {
  const found = new Map<string, string>();
  for (const line of output) {
    const m = /^k3s-wizard: not Ready: (\S+) \((.*)\)$/.exec(line.trim());
    // The last try counts: a node named twice is said once, with its latest reason.
    if (m?.[1] && m[2] !== undefined) found.set(m[1], m[2]);
  }
  return [...found].map(([node, why]) => ({ node, why }));
}
