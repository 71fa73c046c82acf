/**
 * Moving between k3s-wizard and k3s-ansible: a cluster file as a k3s-ansible inventory
 * (`k3s_cluster` with `server` and `agent` groups, its `vars`), and such an inventory read back
 * as a cluster file. Secrets never cross: k3s-ansible's `token` and become/login passwords are
 * neither written nor read into the cluster file. What has no counterpart is said in `notes`.
 */
import { parse, stringify } from 'yaml';
import { shJoin } from '../shell';
import { contextName, firstServer, kubeconfigAddress, servers, usesEmbeddedEtcd } from '../spec/model';
import { listenPort } from '../spec/listener';
import {
  COMPONENTS,
  DEFAULT_API_PORT,
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_SERVICE_CIDR,
  FLANNEL_BACKENDS,
  SPEC_API_VERSION,
  SPEC_KIND,
  type ClusterSpec,
  type ClusterSpecInput,
  type NodeSpec,
} from '../spec/schema';
import { nodeNameProblem } from '../validate';

export interface Converted<T> {
  value: T;
  /** What did not carry over, and what the user has to do about it. */
  notes: string[];
}

/** The most common value of a list (the first of equals), for the group `vars`. */
function mostCommon<T>(values: T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let most = 0;
  for (const [v, n] of counts)
    if (n > most) {
      best = v;
      most = n;
    }
  return best;
}

function serverArgs(spec: ClusterSpec): string[] {
  const net = spec.networking;
  const args: string[] = [];
  for (const component of spec.disable) args.push(`--disable=${component}`);
  for (const san of net.tlsSans) args.push(`--tls-san=${san}`);
  if (net.clusterCidr !== DEFAULT_CLUSTER_CIDR) args.push(`--cluster-cidr=${net.clusterCidr}`);
  if (net.serviceCidr !== DEFAULT_SERVICE_CIDR) args.push(`--service-cidr=${net.serviceCidr}`);
  if (net.flannelBackend !== 'vxlan') args.push(`--flannel-backend=${net.flannelBackend}`);
  return args;
}

function nodeArgs(node: NodeSpec, address: string): string[] {
  const args: string[] = [];
  if (node.nodeName !== address) args.push(`--node-name=${node.nodeName}`);
  if (node.nodeIp) args.push(`--node-ip=${node.nodeIp}`);
  if (node.flannelIface) args.push(`--flannel-iface=${node.flannelIface}`);
  for (const [k, v] of Object.entries(node.labels)) args.push(`--node-label=${k}=${v}`);
  for (const taint of node.taints) args.push(`--node-taint=${taint}`);
  return args;
}

export function exportK3sAnsible(spec: ClusterSpec): Converted<string> {
  const notes: string[] = [];
  const port = mostCommon(spec.nodes.map((n) => n.port)) ?? 22;
  const user = mostCommon(spec.nodes.map((n) => n.user)) ?? 'root';
  const groupServerArgs = serverArgs(spec);
  const group = (role: 'server' | 'agent') => {
    const hosts: Record<string, Record<string, unknown> | null> = {};
    for (const node of spec.nodes.filter((n) => n.role === role)) {
      const vars: Record<string, unknown> = {};
      if (node.port !== port) vars.ansible_port = node.port;
      if (node.user !== user) vars.ansible_user = node.user;
      if (node.auth.method === 'key') vars.ansible_ssh_private_key_file = node.auth.keyPath;
      const own = nodeArgs(node, node.address);
      // host vars replace the group's: the node's own flags come with the group's
      if (own.length)
        vars[`extra_${role}_args`] = shJoin([...(role === 'server' ? groupServerArgs : []), ...own]);
      hosts[node.address] = Object.keys(vars).length ? vars : null;
    }
    return { hosts };
  };
  const vars: Record<string, unknown> = { ansible_port: port, ansible_user: user };
  if (spec.k3s.version) vars.k3s_version = spec.k3s.version;
  else
    notes.push(
      `k3s-ansible installs an exact release: set k3s_version (the cluster file follows the channel “${spec.k3s.channel ?? 'stable'}”).`,
    );
  const api = kubeconfigAddress(spec) ?? firstServer(spec)?.address;
  if (api) vars.api_endpoint = api;
  // k3s-ansible has one api_port: every server listens there, and nodes join the first at it.
  const first = firstServer(spec);
  const apiPort = first ? listenPort(spec, first) : spec.networking.apiPort;
  if (apiPort !== DEFAULT_API_PORT) vars.api_port = apiPort;
  for (const server of servers(spec).filter((s) => listenPort(spec, s) !== apiPort))
    notes.push(
      `k3s-ansible gives every server one api_port (${apiPort}): ${server.nodeName}’s listen port ${listenPort(spec, server)} was not carried over: k3s-ansible would make it listen on ${apiPort}.`,
    );
  if (groupServerArgs.length) vars.extra_server_args = shJoin(groupServerArgs);
  vars.extra_agent_args = '';
  vars.cluster_context = contextName(spec);
  if (spec.install.source === 'airgap') vars.airgap_dir = spec.install.folder;
  else if (spec.install.githubUrl)
    notes.push(
      `k3s-ansible downloads from the K3s releases: the mirror ${spec.install.githubUrl} was not carried over.`,
    );
  notes.push(
    'Set token yourself (k3s-ansible needs it; k3s-wizard never writes a secret into a file): keep it in ansible-vault.',
  );
  if (spec.nodes.some((n) => n.sudo.password))
    notes.push('sudo asks for a password on some machines: run ansible-playbook with --ask-become-pass.');
  if (spec.nodes.some((n) => n.auth.method === 'password'))
    notes.push('Some machines log in with a password: run ansible-playbook with --ask-pass.');
  if (spec.firewall.policy === 'configure')
    notes.push('k3s-wizard opens the firewall between the nodes; k3s-ansible leaves host firewalls to you.');
  if (servers(spec).length > 1 && !usesEmbeddedEtcd(spec))
    notes.push('Several servers without embedded etcd have no k3s-ansible counterpart.');
  const inventory = { k3s_cluster: { children: { server: group('server'), agent: group('agent') }, vars } };
  const header = `# k3s-ansible inventory of cluster ${spec.name}, written by k3s-wizard.\n# token: is not here on purpose; add it (ansible-vault) before you run the playbook.\n`;
  return { value: header + stringify(inventory, { lineWidth: 0, nullStr: '' }), notes };
}

const MAX_INVENTORY = 1 << 20;
const SECRET_VARS = [
  'token',
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_become_password',
  'ansible_become_pass',
  'ansible_sudo_pass',
];

type Vars = Record<string, unknown>;
const isObject = (v: unknown): v is Vars => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Words of a shell-like argument string (single and double quotes), or a YAML list of them. */
function words(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => words(v));
  if (typeof value !== 'string') return [];
  const out: string[] = [];
  for (const m of value.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g))
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** `--flag=value` and `--flag value` pairs, in order. */
function flags(list: string[]): { flag: string; value: string | null }[] {
  const out: { flag: string; value: string | null }[] = [];
  for (let i = 0; i < list.length; i += 1) {
    const word = list[i] ?? '';
    if (!word.startsWith('--')) continue;
    const eq = word.indexOf('=');
    if (eq > 0) out.push({ flag: word.slice(2, eq), value: word.slice(eq + 1) });
    else if (list[i + 1] !== undefined && !list[i + 1]?.startsWith('--')) {
      out.push({ flag: word.slice(2), value: list[i + 1] ?? null });
      i += 1;
    } else out.push({ flag: word.slice(2), value: null });
  }
  return out;
}

function findCluster(doc: Vars): { cluster: Vars; outer: Vars } | null {
  if (isObject(doc.k3s_cluster)) return { cluster: doc.k3s_cluster, outer: {} };
  const all = isObject(doc.all) ? doc.all : null;
  const children = all && isObject(all.children) ? all.children : null;
  if (children && isObject(children.k3s_cluster))
    return { cluster: children.k3s_cluster, outer: isObject(all?.vars) ? all.vars : {} };
  return null;
}

export function importK3sAnsible(text: string, options: { name: string }): Converted<ClusterSpecInput> {
  if (text.length > MAX_INVENTORY)
    throw new Error('The inventory is larger than 1 MiB; is it the right file?');
  if (/^\s*\[[\w:.-]+\]\s*$/m.test(text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? ''))
    throw new Error(
      'This is an INI inventory; read it as YAML first: ansible-inventory -i hosts.ini --list -y > inventory.yml',
    );
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new Error(`The inventory is not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`, {
      cause: error,
    });
  }
  const found = isObject(doc) ? findCluster(doc) : null;
  if (!found)
    throw new Error(
      'No k3s_cluster group found (at the top or under all.children): is this a k3s-ansible inventory in YAML?',
    );
  const notes: string[] = [];
  const clusterVars = { ...found.outer, ...(isObject(found.cluster.vars) ? found.cluster.vars : {}) };
  const children = isObject(found.cluster.children) ? found.cluster.children : {};
  const secretsSeen = new Set<string>();
  const dropped = new Set<string>();
  const templated = new Set<string>();
  const nodes: ClusterSpecInput['nodes'] = [];
  const clusterArgs: { flag: string; value: string | null }[] = [];
  const usedNames = new Set<string>();
  for (const role of ['server', 'agent'] as const) {
    const group = isObject(children[role]) ? children[role] : {};
    const groupVars = { ...clusterVars, ...(isObject(group.vars) ? group.vars : {}) };
    const hosts = isObject(group.hosts) ? group.hosts : {};
    for (const [key, raw] of Object.entries(hosts).slice(0, 1000)) {
      const vars: Vars = { ...groupVars, ...(isObject(raw) ? raw : {}) };
      for (const secret of SECRET_VARS) if (vars[secret] !== undefined) secretsSeen.add(secret);
      for (const [k, v] of Object.entries(vars))
        if (typeof v === 'string' && v.includes('{{')) templated.add(k);
      const address =
        typeof vars.ansible_host === 'string' && !vars.ansible_host.includes('{{') ? vars.ansible_host : key;
      const port = Number(vars.ansible_port ?? 22);
      const user = typeof vars.ansible_user === 'string' ? vars.ansible_user : 'root';
      const keyFile = vars.ansible_ssh_private_key_file ?? vars.ansible_private_key_file;
      const args = flags(words(vars[`extra_${role}_args`]));
      let nodeName = nodeNameProblem(key) ? `node-${nodes.length + 1}` : key;
      const node: ClusterSpecInput['nodes'][number] = {
        address,
        port: Number.isInteger(port) ? port : 22,
        user,
        auth:
          typeof keyFile === 'string'
            ? { method: 'key', keyPath: keyFile }
            : vars.ansible_password !== undefined || vars.ansible_ssh_pass !== undefined
              ? { method: 'password' }
              : { method: 'agent' },
        sudo: {
          password: vars.ansible_become_password !== undefined || vars.ansible_become_pass !== undefined,
        },
        role,
        nodeName,
      };
      const labels: Record<string, string> = {};
      const taints: string[] = [];
      for (const { flag, value } of args) {
        if (flag === 'node-name' && value) nodeName = value;
        else if (flag === 'node-ip' && value) node.nodeIp = value;
        else if (flag === 'flannel-iface' && value) node.flannelIface = value;
        else if (flag === 'node-label' && value?.includes('='))
          labels[value.split('=')[0] ?? ''] = value.slice(value.indexOf('=') + 1);
        else if (flag === 'node-taint' && value) taints.push(value);
        else if (role === 'server') clusterArgs.push({ flag, value });
        else dropped.add(`--${flag}${value === null ? '' : `=${value}`}`);
      }
      if (usedNames.has(nodeName)) nodeName = `${nodeName}-${nodes.length + 1}`;
      usedNames.add(nodeName);
      node.nodeName = nodeName;
      if (Object.keys(labels).length) node.labels = labels;
      if (taints.length) node.taints = taints;
      nodes.push(node);
    }
  }
  if (nodes.length === 0) throw new Error('The k3s_cluster group has no hosts under server or agent.');

  const disable: (typeof COMPONENTS)[number][] = [];
  const networking: NonNullable<ClusterSpecInput['networking']> = {};
  const tlsSans: string[] = [];
  let clusterInit = false;
  for (const { flag, value } of clusterArgs) {
    if (flag === 'disable' && value)
      for (const c of value.split(',')) {
        if ((COMPONENTS as readonly string[]).includes(c)) {
          if (!disable.includes(c as (typeof COMPONENTS)[number]))
            disable.push(c as (typeof COMPONENTS)[number]);
        } else dropped.add(`--disable=${c}`);
      }
    else if (flag === 'tls-san' && value) {
      if (!tlsSans.includes(value)) tlsSans.push(value);
    } else if (flag === 'cluster-cidr' && value) networking.clusterCidr = value;
    else if (flag === 'service-cidr' && value) networking.serviceCidr = value;
    else if (flag === 'flannel-backend' && value && (FLANNEL_BACKENDS as readonly string[]).includes(value))
      networking.flannelBackend = value as (typeof FLANNEL_BACKENDS)[number];
    else if (flag === 'https-listen-port' && value) networking.apiPort = Number(value);
    else if (flag === 'cluster-init') clusterInit = true;
    else dropped.add(`--${flag}${value === null ? '' : `=${value}`}`);
  }
  if (tlsSans.length) networking.tlsSans = tlsSans;
  if (clusterVars.api_port !== undefined) networking.apiPort = Number(clusterVars.api_port);

  const spec: ClusterSpecInput = {
    apiVersion: SPEC_API_VERSION,
    kind: SPEC_KIND,
    name: options.name,
    k3s: typeof clusterVars.k3s_version === 'string' ? { version: clusterVars.k3s_version } : {},
    install:
      typeof clusterVars.airgap_dir === 'string'
        ? { source: 'airgap', folder: clusterVars.airgap_dir }
        : { source: 'online' },
    ...(nodes.filter((n) => n.role === 'server').length > 1 || clusterInit
      ? { ha: { embeddedEtcd: true } }
      : {}),
    ...(Object.keys(networking).length ? { networking } : {}),
    ...(disable.length ? { disable } : {}),
    // k3s-ansible leaves host firewalls as they are
    firewall: { policy: 'leave' },
    nodes,
  };
  if (typeof clusterVars.api_endpoint === 'string' && !clusterVars.api_endpoint.includes('{{'))
    spec.kubeconfig = { server: clusterVars.api_endpoint };
  if (typeof clusterVars.cluster_context === 'string')
    spec.kubeconfig = { ...spec.kubeconfig, contextName: clusterVars.cluster_context };
  if (secretsSeen.size)
    notes.push(
      `Left out on purpose (secrets never go into a cluster file): ${[...secretsSeen].sort().join(', ')}. The wizard and apply ask for what they need.`,
    );
  if (dropped.size) notes.push(`Not carried over (no cluster-file setting): ${[...dropped].join(' ')}.`);
  if (templated.size)
    notes.push(
      `Jinja templates are not evaluated (${[...templated].sort().join(', ')}): check those values.`,
    );
  notes.push(
    'The firewall policy is “leave”, as with k3s-ansible; change it to “configure” to let k3s-wizard open exactly what the nodes need.',
  );
  return { value: spec, notes };
}
