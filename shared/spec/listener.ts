/**
 * The API listener of each server and the addresses people and nodes reach it on: the URL
 * agents join, the kubeconfig's `server:`, and the names K3s puts in each server's certificate.
 * An address a client dials that is not among those names fails with Go's
 * `x509: certificate is valid for …` (the most asked K3s question): it is refused here, before
 * anything is installed.
 */
import type { HostFacts } from '../facts';
import { addressProblem, isIPv4, isIPv6 } from '../validate';
import { ipToBigint, isIP, parseCidr, splitCidrList } from './cidr';
import type { SpecIssue } from './issues';
import { firstServer, kubeconfigAddress, nodeAddress, servers, urlHost, type FactsByNode } from './model';
import type { ClusterSpec, NodeSpec } from './schema';

/** `https://host:port` */
export function httpsUrl(address: string, port: number): string {
  return `https://${urlHost(address)}:${port}`;
}

/** The first server's API port (the cluster's API port unless it listens on one of its own). */
function firstServerPort(spec: ClusterSpec): number {
  const first = firstServer(spec);
  return first ? listenPort(spec, first) : spec.networking.apiPort;
}

/** The port clients dial: the endpoint's own port (a load balancer may map another), else the first server's. */
export function endpointPort(spec: ClusterSpec): number {
  return spec.networking.endpoint?.port ?? firstServerPort(spec);
}

/** The address agents and further servers join: the endpoint, else the first server's node address. */
export function joinHost(spec: ClusterSpec, facts: FactsByNode = {}): string | null {
  if (spec.networking.endpoint) return spec.networking.endpoint.address;
  const first = firstServer(spec);
  return first ? (nodeAddress(first, facts[first.nodeName]) ?? first.address) : null;
}

/** K3S_URL / `server:` of every joining node: the endpoint, else the first server at its own port. */
export function joinUrl(spec: ClusterSpec, facts: FactsByNode = {}): string | null {
  const host = joinHost(spec, facts);
  const first = firstServer(spec);
  return host === null || !first
    ? null
    : httpsUrl(host, spec.networking.endpoint ? endpointPort(spec) : listenPort(spec, first));
}

/** The kubeconfig's `server:` URL: the endpoint's port through it, else the first server's own. */
export function kubeconfigUrl(spec: ClusterSpec): string | undefined {
  const host = kubeconfigAddress(spec);
  if (host === undefined) return undefined;
  const viaEndpoint = spec.networking.endpoint && host === spec.networking.endpoint.address;
  return httpsUrl(host, viaEndpoint ? endpointPort(spec) : firstServerPort(spec));
}

/**
 * The port a server's API listens on (`https-listen-port`), its own, else the cluster's; other
 * machines reach it there, a rootless server's too (its port controller binds it unchanged).
 */
export function listenPort(spec: ClusterSpec, server: NodeSpec): number {
  return server.listener?.httpsListenPort ?? spec.networking.apiPort;
}

/**
 * The port a server puts in the in-cluster `kubernetes` service's endpoints (`advertise-port`,
 * else its listen port). Kubernetes keeps one port for every server there, and each agent's
 * load balancer dials every server at it: it must be the same on all servers.
 */
export function advertisedPort(spec: ClusterSpec, server: NodeSpec): number {
  return server.listener?.advertisePort ?? listenPort(spec, server);
}

/** The first address of the service network: the in-cluster `kubernetes` service (10.43.0.1). */
export function kubernetesServiceIp(spec: ClusterSpec): string | null {
  const first = splitCidrList(spec.networking.serviceCidr)
    .map(parseCidr)
    .find((c) => c?.family === 4);
  if (!first) return null;
  const n = first.network + 1n;
  return [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 255n)).join('.');
}

export interface CertificateNames {
  /** What the serving certificate will hold. */
  names: string[];
  /** False when the node IP is not known yet (a host name, no facts): the list may lack it. */
  complete: boolean;
}

/**
 * The names K3s puts in a server's serving certificate: the loopback names, the machine's host
 * name and node name, the `kubernetes` service names and IP, the node IP (K3s picks the
 * default-route address when none is set), the external IP, the advertise and bind addresses,
 * and every tls-san (the cluster's and the server's own). With `tls-san-security` (on by default)
 * K3s adds nothing else, whatever name a client asks for.
 */
export function certificateNames(
  spec: ClusterSpec,
  server: NodeSpec,
  facts?: HostFacts | null,
): CertificateNames {
  const ip = nodeAddress(server, facts);
  const listener = server.listener;
  const names = [
    '127.0.0.1',
    '::1',
    'localhost',
    ...(facts?.hostname ? [facts.hostname.toLowerCase()] : []),
    server.nodeName,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    ...(kubernetesServiceIp(spec) ? [kubernetesServiceIp(spec)!] : []),
    ...(ip ? [ip] : []),
    ...(server.nodeExternalIp ? [server.nodeExternalIp] : []),
    ...(listener?.advertiseAddress ? [listener.advertiseAddress] : []),
    ...(listener?.bindAddress && !isAnyAddress(listener.bindAddress) ? [listener.bindAddress] : []),
    ...spec.networking.tlsSans,
    ...(listener?.tlsSans ?? []),
  ];
  return { names: [...new Set(names.map((n) => n.toLowerCase()))], complete: ip !== null };
}

function isAnyAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

function sameIp(a: string, b: string): boolean {
  const x = ipToBigint(a);
  const y = ipToBigint(b);
  return x !== null && y !== null && x.family === y.family && x.value === y.value;
}

/** Whether a client dialling `address` accepts a certificate for `names` (exact names; `*.` wildcards one label). */
export function certificateCovers(names: readonly string[], address: string): boolean {
  const lower = address.toLowerCase().replace(/\.$/, '');
  if (isIP(lower)) return names.some((n) => isIP(n) && sameIp(n, lower));
  return names.some((n) => {
    if (isIP(n)) return false;
    if (n === lower) return true;
    return n.startsWith('*.') && lower.endsWith(n.slice(1)) && !lower.slice(0, -n.length + 1).includes('.');
  });
}

/** Go's words when the address is not in the certificate, as kubectl and the agents print them. */
export function x509Reason(names: readonly string[], address: string): string {
  if (isIP(address)) {
    const ips = names.filter(isIP);
    return ips.length
      ? `x509: certificate is valid for ${ips.join(', ')}, not ${address}`
      : `x509: cannot validate certificate for ${address} because it doesn't contain any IP SANs`;
  }
  const dns = names.filter((n) => !isIP(n));
  return `x509: certificate is valid for ${dns.join(', ')}, not ${address}`;
}

function ipProblem(value: string, what: string): string | null {
  return isIPv4(value) || isIPv6(value) ? null : `${what} must be an IP address, not “${value}”.`;
}

function portOk(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * Listener options, external IPs and the certificate check of the addresses clients dial.
 * Facts, when known, give the node IP K3s will pick (the default-route address) and the host
 * name; without them an IP the machine is reached on stands for its node IP.
 */
export function listenerIssues(spec: ClusterSpec, facts: FactsByNode = {}): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const error = (path: string, message: string) => issues.push({ path, severity: 'error', message });
  spec.nodes.forEach((node, i) => {
    const at = (f: string) => `nodes[${i}].${f}`;
    if (node.nodeExternalIp !== undefined) {
      const p = ipProblem(node.nodeExternalIp, 'The external IP');
      if (p) error(at('nodeExternalIp'), p);
    }
    const l = node.listener;
    if (!l) return;
    if (node.role !== 'server') {
      error(
        at('listener'),
        `${node.nodeName} is an agent: bind and advertise addresses, listen and advertise ports and TLS names are API server options. Remove them or make it a server.`,
      );
      return;
    }
    if (l.bindAddress !== undefined) {
      const p = ipProblem(l.bindAddress, 'The bind address');
      if (p) error(at('listener.bindAddress'), p);
      const f = facts[node.nodeName];
      if (
        !p &&
        f &&
        !isAnyAddress(l.bindAddress) &&
        !f.addresses.some((a) => sameIp(a.address, l.bindAddress!))
      )
        error(
          at('listener.bindAddress'),
          `${node.nodeName} has no address ${l.bindAddress} (it has ${f.addresses.map((a) => a.address).join(', ') || 'none'}); K3s could not listen there. Use one of its addresses, or leave it empty to listen on all.`,
        );
    }
    if (l.advertiseAddress !== undefined) {
      const p = ipProblem(l.advertiseAddress, 'The advertise address');
      if (p) error(at('listener.advertiseAddress'), p);
    }
    if (l.httpsListenPort !== undefined && !portOk(l.httpsListenPort))
      error(at('listener.httpsListenPort'), 'The listen port must be a whole number from 1 to 65535.');
    else if (l.httpsListenPort !== undefined && l.httpsListenPort === sshPort(node, facts[node.nodeName]))
      error(
        at('listener.httpsListenPort'),
        `${node.nodeName}’s SSH server listens on port ${l.httpsListenPort}: the API cannot listen there too. Pick another port (6443 unless policy says otherwise).`,
      );
    if (l.advertisePort !== undefined && !portOk(l.advertisePort))
      error(at('listener.advertisePort'), 'The advertise port must be a whole number from 1 to 65535.');
    l.tlsSans.forEach((san, j) => {
      if (!/^[A-Za-z0-9*.:-]+$/.test(san) || san.length === 0)
        error(
          `${at('listener.tlsSans')}[${j}]`,
          `“${san}” is not a host name or IP address for the certificate.`,
        );
    });
  });
  const endpoint = spec.networking.endpoint;
  if (endpoint?.port !== undefined && !portOk(endpoint.port))
    error('networking.endpoint.port', 'The endpoint port must be a whole number from 1 to 65535.');
  if (hasListenerErrors(issues)) return issues;

  const first = firstServer(spec);
  if (!first) return issues;
  advertisedPortIssues(spec, error);
  if (hasListenerErrors(issues)) return issues;
  // A bound API is reached only on its bind address (or through a forwarder, the endpoint).
  const bind = first.listener?.bindAddress;
  const dialled = joinHost(spec, facts);
  if (bind && !isAnyAddress(bind) && !endpoint && dialled && isIP(dialled) && !sameIp(bind, dialled))
    error(
      `nodes[${spec.nodes.indexOf(first)}].listener.bindAddress`,
      `${first.nodeName}’s API listens only on ${bind}, but nodes would join it at ${dialled}. Set its node IP to ${bind}, or set the API endpoint to ${bind}.`,
    );

  // Who dials what: the kubeconfig and the joining nodes reach the first server, or, through an
  // endpoint (a load balancer or VIP), any server; each must find the address in the certificate.
  const targets = endpoint ? servers(spec) : [first];
  const dials: { address: string; who: string; path: string }[] = [];
  const kube = kubeconfigAddress(spec);
  if (kube !== undefined)
    dials.push({
      address: kube,
      who: 'kubectl (the kubeconfig)',
      path:
        spec.kubeconfig.server !== undefined
          ? 'kubeconfig.server'
          : endpoint
            ? 'networking.endpoint'
            : 'networking.tlsSans',
    });
  const joiners = spec.nodes.length - 1;
  if (dialled && joiners > 0 && dialled !== kube)
    dials.push({
      address: dialled,
      who: 'joining nodes',
      path: endpoint ? 'networking.endpoint' : 'networking.tlsSans',
    });
  else if (dialled && joiners > 0) dials[0]!.who = 'kubectl (the kubeconfig) and joining nodes';
  for (const { address, who, path } of dials) {
    if (['127.0.0.1', '::1', 'localhost'].includes(address.toLowerCase())) continue;
    if (addressProblem(address)) continue; // said where the address is written
    for (const server of targets) {
      const cert = certificateNames(spec, server, facts[server.nodeName]);
      if (certificateCovers(cert.names, address)) continue;
      // Without facts the node IP is unknown: an IP may still be it (checked once probed).
      if (!cert.complete && isIP(address)) continue;
      error(
        path,
        `${who} would dial ${address}, which is not in ${server.nodeName}’s certificate, and fail with “${x509Reason(cert.names, address)}”. Add ${address} to the TLS names (${server.nodeName}’s own, or the cluster’s), or dial an address the certificate has.`,
      );
    }
  }
  return issues;
}

/** The port the machine's SSH server listens on: what it told the probe, else the one dialled. */
function sshPort(node: NodeSpec, facts?: HostFacts | null): number {
  return facts?.ssh.serverPort ?? node.port;
}

function hasListenerErrors(issues: readonly SpecIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/**
 * Servers may listen on different ports, but the `kubernetes` service's endpoints hold one port
 * for all of them (Kubernetes' endpoint reconciler rewrites them to its own port), and agents'
 * load balancers reach every server at that one port: a server listening elsewhere must be
 * advertised at the common port (a forwarder on it maps that port to its listener).
 */
function advertisedPortIssues(spec: ClusterSpec, error: (path: string, message: string) => void): void {
  const list = servers(spec);
  if (list.length < 2) return;
  const first = list[0]!;
  const common = advertisedPort(spec, first);
  for (const server of list.slice(1)) {
    const port = advertisedPort(spec, server);
    if (port === common) continue;
    const advertised = server.listener?.advertisePort !== undefined;
    error(
      `nodes[${spec.nodes.indexOf(server)}].listener.${advertised ? 'advertisePort' : 'httpsListenPort'}`,
      `${server.nodeName} would be reached at port ${port}, ${first.nodeName} at ${common}: the in-cluster kubernetes service (and every agent’s load balancer) reaches all servers at one port, so in-cluster clients and agents would fail with “connection refused” on one of them. Give every server the same listen port, or, where a forwarder on ${server.nodeName} maps port ${common} to its listener, set its advertise port to ${common}.`,
    );
  }
}
