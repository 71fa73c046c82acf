/**
 * /etc/rancher/k3s/config.yaml for one node: every durable K3s setting lives there (mode 0600),
 * not on the command line. The token is the file's last line, filled in by the engine; the rest
 * ("settings") holds no secret, so its hash can be checked on re-runs (see `configCheck`).
 */
import { stringify } from 'yaml';
import { needsBundledIptables } from '../checks/host-checks';
import type { HostFacts } from '../facts';
import { shJoin } from '../shell';
import { listenPort } from '../spec/listener';
import { contextName, systemdUnit } from '../spec/model';
import { DEFAULT_API_PORT, DEFAULT_NODE_PORT_RANGE, type ClusterSpec, type NodeSpec } from '../spec/schema';
import { sha256Hex } from './sha256';
import type { HostCheck, InstallDone, Template } from './types';

export const CONFIG_PATH = '/etc/rancher/k3s/config.yaml';

export interface NodeConfig {
  /** The file without its token line. */
  settings: string;
  /** The whole file, token as a placeholder. */
  content: Template;
  /** sha256 of `settings`. */
  settingsHash: string;
}

/** iptables 1.8.0–1.8.4 is buggy: K3s should use its bundled copy. */
export interface NodeConfigOptions {
  facts: HostFacts | null;
  /** The URL of the server to join; null for the first server. */
  joinUrl: string | null;
  /** Whether this node starts the embedded etcd cluster. */
  clusterInit: boolean;
}

export function nodeConfig(spec: ClusterSpec, node: NodeSpec, options: NodeConfigOptions): NodeConfig {
  // with-node-id: K3s names the node <host name>-<id>; node-name would replace the host name.
  const settings: Record<string, unknown> = node.withNodeId
    ? { 'with-node-id': true }
    : { 'node-name': node.nodeName };
  if (node.nodeIp) settings['node-ip'] = node.nodeIp;
  if (node.nodeExternalIp) settings['node-external-ip'] = node.nodeExternalIp;
  if (node.flannelIface) settings['flannel-iface'] = node.flannelIface;
  const labels = Object.entries(node.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length) settings['node-label'] = labels;
  if (node.taints.length) settings['node-taint'] = node.taints;
  if (needsBundledIptables(options.facts)) settings['prefer-bundled-bin'] = true;
  if (options.clusterInit) settings['cluster-init'] = true;
  if (options.joinUrl) settings.server = options.joinUrl;
  if (node.role === 'server') {
    const net = spec.networking;
    // Values that must match on every server are written on every server, defaults included.
    const listener = node.listener;
    // Rootless: the node IP is the one inside K3s's namespace (10.0.2.100), so the address people
    // reach the machine at is in the certificate only when named.
    const reached = node.rootless
      ? [node.address, ...(spec.kubeconfig.server ? [spec.kubeconfig.server] : [])]
      : [];
    const sans = [...new Set([...net.tlsSans, ...(listener?.tlsSans ?? []), ...reached])];
    if (sans.length) settings['tls-san'] = sans;
    const port = listenPort(spec, node);
    if (port !== DEFAULT_API_PORT) settings['https-listen-port'] = port;
    if (listener?.bindAddress) settings['bind-address'] = listener.bindAddress;
    if (listener?.advertiseAddress) settings['advertise-address'] = listener.advertiseAddress;
    if (listener?.advertisePort !== undefined) settings['advertise-port'] = listener.advertisePort;
    settings['flannel-backend'] = net.flannelBackend;
    settings['cluster-cidr'] = net.clusterCidr;
    settings['service-cidr'] = net.serviceCidr;
    if (net.nodePortRange !== DEFAULT_NODE_PORT_RANGE)
      settings['service-node-port-range'] = net.nodePortRange;
    if (spec.disable.length) settings.disable = spec.disable;
    settings['write-kubeconfig-mode'] = '0600';
  }
  const header = `# Written by k3s-wizard for cluster ${contextName(spec)}; replaced on the next run.\n`;
  const text = header + stringify(settings, { lineWidth: 0 });
  const content: Template = options.joinUrl
    ? [{ text }, { text: 'token: ' }, { secret: 'token', quote: 'yaml' }, { text: '\n' }]
    : [{ text }];
  return { settings: text, content, settingsHash: sha256Hex(text) };
}

const CHECK_SCRIPT = [
  // The config without its token line must hash to what this plan writes...
  `[ "$(grep -v '^token:' "$1" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$2" ] || exit 1`,
  // ...the service must be running...
  'if command -v systemctl >/dev/null 2>&1; then systemctl is-active --quiet "$3" || exit 1; else rc-service "$3" status >/dev/null 2>&1 || exit 1; fi',
  // ...and, when a release is pinned, be that release.
  '[ -z "$4" ] || /usr/local/bin/k3s --version 2>/dev/null | grep -qF "k3s version $4 "',
].join('\n');

/** What CHECK_SCRIPT checks, as data: the step's `doneWhen`. */
export function installDone(spec: ClusterSpec, node: NodeSpec, config: NodeConfig): InstallDone {
  return { configSha256: config.settingsHash, unit: systemdUnit(node), version: spec.k3s.version ?? null };
}

/**
 * CHECK_SCRIPT's answer from the machine's facts, and for a joining node whether it still has
 * its node password: null where the facts cannot tell (not read as root, another unit's state,
 * an init without systemctl), so the machine is asked. Meant for facts read just before a run.
 */
export function doneFromFacts(
  done: InstallDone,
  facts: HostFacts | undefined,
  joining: boolean,
): { done: boolean; hasIdentity: boolean } | null {
  const k3s = facts?.k3s;
  // The node password is looked for only as root: without it, the config may have been unreadable.
  if (!k3s || k3s.nodePassword === null) return null;
  const hasIdentity = !joining || k3s.nodePassword === true;
  // No config at all, or another one: not done, whatever runs.
  if (!k3s.hasConfig) return { done: false, hasIdentity };
  if (k3s.configSha256 === null) return null;
  if (k3s.configSha256 !== done.configSha256) return { done: false, hasIdentity };
  // The state listed is the server unit's when there is one: known only for a node of that role.
  const role = done.unit === 'k3s' ? 'server' : 'agent';
  if (facts.init !== 'systemd' || k3s.role !== role || k3s.serviceState === null) return null;
  if (k3s.serviceState !== 'active') return { done: false, hasIdentity };
  if (done.version !== null && k3s.version === null) return null;
  if (done.version !== null && k3s.version !== done.version) return { done: false, hasIdentity };
  return { done: true, hasIdentity };
}

/** Exit 0 when the node already runs the wanted K3s with exactly these settings. */
export function configCheck(spec: ClusterSpec, node: NodeSpec, config: NodeConfig): HostCheck {
  const done = installDone(spec, node, config);
  return {
    command: shJoin([
      'sh',
      '-c',
      CHECK_SCRIPT,
      'k3s-wizard-check',
      CONFIG_PATH,
      done.configSha256,
      done.unit,
      done.version ?? '',
    ]),
    sudo: true,
  };
}
