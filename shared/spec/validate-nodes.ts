/** Meaning checks of the machines in a spec: addresses, names, labels, taints, server count. */
import { addressProblem, nodeNameProblem, portProblem, userProblem } from '../validate';
import { isIP } from './cidr';
import type { SpecIssue } from './issues';
import { servers, usesEmbeddedEtcd } from './model';
import type { ClusterSpec, NodeSpec } from './schema';

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TAINT = /^([^=:]+)(=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
const IFACE = /^[A-Za-z0-9_.:@-]{1,15}$/;
// kubelet refuses to start with other labels in these namespaces (NodeRestriction).
const RESERVED_LABEL = /(^|\.)(kubernetes\.io|k8s\.io)\//;
const ALLOWED_RESERVED =
  /^(node\.kubernetes\.io|kubelet\.kubernetes\.io)\/|^(beta\.)?kubernetes\.io\/(arch|os)$|^topology\.kubernetes\.io\/(region|zone)$|^failure-domain\.beta\.kubernetes\.io\/(region|zone)$|^node\.kubernetes\.io\/instance-type$/;

export function labelKeyProblem(key: string): string | null {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return `The label prefix “${prefix}” must be a lower-case DNS name such as example.com.`;
  if (!LABEL_NAME.test(name))
    return `“${key}” is not a valid label name: up to 63 letters, digits, “-”, “_” or “.”, starting and ending with a letter or digit.`;
  if (RESERVED_LABEL.test(key) && !ALLOWED_RESERVED.test(key))
    return `Nodes may not set the label “${key}” on themselves (the kubelet refuses to start); use your own prefix, e.g. example.com/role, or node.kubernetes.io/….`;
  return null;
}

export function labelValueProblem(value: string): string | null {
  return value === '' || LABEL_NAME.test(value)
    ? null
    : `“${value}” is not a valid label value: up to 63 letters, digits, “-”, “_” or “.”, starting and ending with a letter or digit.`;
}

export function taintProblem(taint: string): string | null {
  const match = TAINT.exec(taint);
  if (!match?.[1])
    return `“${taint}” is not a taint: write key=value:Effect or key:Effect, with Effect NoSchedule, PreferNoSchedule or NoExecute.`;
  return labelKeyProblem(match[1]) ?? (match[3] ? labelValueProblem(match[3]) : null);
}

function nodeIssues(node: NodeSpec, index: number): SpecIssue[] {
  const at = (field: string) => `nodes[${index}].${field}`;
  const issues: SpecIssue[] = [];
  const add = (path: string, message: string | null, severity: SpecIssue['severity'] = 'error') => {
    if (message) issues.push({ path, severity, message });
  };
  add(at('address'), addressProblem(node.address));
  add(at('port'), portProblem(node.port));
  add(at('user'), userProblem(node.user));
  add(at('nodeName'), nodeNameProblem(node.nodeName));
  if (node.nodeIp !== undefined && !isIP(node.nodeIp))
    add(at('nodeIp'), `The node IP must be an IP address of this machine, not “${node.nodeIp}”.`);
  if (node.flannelIface !== undefined && !IFACE.test(node.flannelIface))
    add(
      at('flannelIface'),
      `“${node.flannelIface}” is not a network interface name (for example eth0 or wlan0).`,
    );
  for (const [key, value] of Object.entries(node.labels)) {
    add(at(`labels.${key}`), labelKeyProblem(key) ?? labelValueProblem(value));
  }
  node.taints.forEach((taint, i) => add(`${at('taints')}[${i}]`, taintProblem(taint)));
  return issues;
}

export function validateNodes(spec: ClusterSpec): SpecIssue[] {
  const issues = spec.nodes.flatMap(nodeIssues);
  const names = new Map<string, number>();
  const logins = new Map<string, number>();
  spec.nodes.forEach((node, index) => {
    const first = names.get(node.nodeName);
    if (first !== undefined) {
      issues.push({
        path: `nodes[${index}].nodeName`,
        severity: 'error',
        message: `Two machines are both named “${node.nodeName}” (see nodes[${first}]); K3s rejects the second one. Give each machine its own node name.`,
      });
    } else names.set(node.nodeName, index);
    const login = `${node.address.toLowerCase()}:${node.port}`;
    const same = logins.get(login);
    if (same !== undefined) {
      issues.push({
        path: `nodes[${index}].address`,
        severity: 'error',
        message: `${node.address} port ${node.port} is already listed as nodes[${same}]; one machine can be only one node.`,
      });
    } else logins.set(login, index);
  });

  const count = servers(spec).length;
  if (count === 0) {
    issues.push({
      path: 'nodes',
      severity: 'error',
      message: 'Make at least one machine a server: agents need a server to join.',
    });
  } else if (count % 2 === 0) {
    // A warning, not an error: K3s runs it, and a cluster of 3 servers that lost one (Remove)
    // must stay usable (status, upgrade, adding the third back) from its cluster file.
    const tolerated = (count - 2) / 2;
    issues.push({
      path: 'nodes',
      severity: 'warning',
      message: `There are ${count} servers. Use an odd number (1, 3 or 5): etcd needs a majority, so ${count} servers tolerate ${tolerated} failed server${tolerated === 1 ? '' : 's'}, the same as ${count - 1}, with one more machine that can fail.`,
    });
  }
  if (count > 1 && spec.ha.embeddedEtcd === false) {
    issues.push({
      path: 'ha.embeddedEtcd',
      severity: 'error',
      message:
        'Several servers need embedded etcd (an external datastore is not supported): set embeddedEtcd to true or keep one server.',
    });
  }
  if (count === 1 && usesEmbeddedEtcd(spec)) {
    issues.push({
      path: 'ha.embeddedEtcd',
      severity: 'warning',
      message:
        'One server with embedded etcd: fine for adding servers later, but etcd is slower than the default SQLite on SD cards.',
    });
  }
  return issues;
}
