import { describe, expect, it } from 'vitest';
import { loadSpec, parseSpecObject, parseSpecYaml, starterSpecYaml, validateSpec } from '.';
import { makeSpec, node } from '../../test-support/shared/spec';

const header = 'apiVersion: k3s-wizard/v1\nkind: Cluster\nname: lab\n';
const messages = (spec: ReturnType<typeof makeSpec>) =>
  validateSpec(spec).map((i) => `${i.severity} ${i.path}: ${i.message}`);

describe('cluster spec', () => {
  it('the starter file parses and validates cleanly', () => {
    const loaded = loadSpec(starterSpecYaml({ name: 'home' }));
    expect(loaded.issues).toEqual([]);
    expect(loaded.spec?.nodes.map((n) => [n.nodeName, n.role])).toEqual([
      ['pi1', 'server'],
      ['pi2', 'agent'],
    ]);
    expect(loaded.spec?.kubeconfig.contextName).toBe('home');
  });

  it('fills defaults', () => {
    const spec = makeSpec([node('a', '10.0.0.1', 'server')]);
    expect(spec.networking).toMatchObject({
      flannelBackend: 'vxlan',
      clusterCidr: '10.42.0.0/16',
      apiPort: 6443,
    });
    expect(spec.nodes[0]).toMatchObject({ port: 22, auth: { method: 'agent' }, sudo: { password: false } });
    expect(spec.install).toEqual({ source: 'online', scriptUrl: 'https://get.k3s.io' });
  });

  it('rejects secrets with a clear message and the line they are on', () => {
    const text = `${header}nodes:\n  - address: 10.0.0.1\n    user: pi\n    role: server\n    nodeName: a\n    password: hunter2\n`;
    const { spec, issues } = parseSpecYaml(text);
    expect(spec).toBeNull();
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'nodes[0].password',
        line: 9,
        message: expect.stringMatching(/never holds passwords/) as unknown,
      }),
    ]);
    expect(
      parseSpecObject({ apiVersion: 'k3s-wizard/v1', kind: 'Cluster', name: 'x', token: 'K10abc', nodes: [] })
        .issues[0]?.path,
    ).toBe('token');
  });

  it('allows sudo.password as an on/off flag', () => {
    const text = `${header}nodes:\n  - { address: 10.0.0.1, user: pi, role: server, nodeName: a, sudo: { password: true } }\n`;
    expect(loadSpec(text).issues).toEqual([]);
  });

  it('reports shape problems with paths, lines and words a person understands', () => {
    const text = `${header}networking:\n  flanelBackend: vxlan\nnodes:\n  - address: 10.0.0.1\n    port: "22"\n    user: pi\n    role: boss\n    nodeName: a\n`;
    const issues = parseSpecYaml(text).issues.map((i) => `${i.line} ${i.path}: ${i.message}`);
    expect(issues).toEqual([
      '5 networking.flanelBackend: Unknown setting “flanelBackend”; check its spelling (k3s-wizard init writes a file listing every setting).',
      '8 nodes[0].port: “port” must be a number.',
      '10 nodes[0].role: The role must be server or agent.',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const { issues } = parseSpecYaml(`${header}nodes: [\n`);
    expect(issues[0]).toMatchObject({ path: '', severity: 'error', line: expect.any(Number) as unknown });
    expect(issues[0]?.message).toMatch(/not valid YAML/);
  });

  it('refuses an unknown apiVersion (migration hook)', () => {
    const { issues } = parseSpecYaml('apiVersion: k3s-wizard/v9\nkind: Cluster\n');
    expect(issues[0]).toMatchObject({
      path: 'apiVersion',
      message: expect.stringMatching(/does not know/) as unknown,
    });
  });

  it('gives every meaning problem at once', () => {
    const spec = makeSpec(
      [
        node('Pi1', '300.1.1.1', 'server'),
        node('b', 'b.local', 'server'),
        node('b', '10.42.3.4', 'agent', {
          nodeIp: 'eth0',
          labels: { 'node-role.kubernetes.io/worker': 'true' },
          taints: ['x'],
        }),
      ],
      {
        networking: { serviceCidr: '10.42.128.0/17', apiPort: 7443, tlsSans: [] },
        kubeconfig: { server: 'k3s.example.com' },
      },
    );
    expect(messages(spec)).toEqual([
      'error kubeconfig.server: kubectl (the kubeconfig) would dial k3s.example.com, which is not in Pi1’s certificate, and fail with “x509: certificate is valid for localhost, pi1, kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, not k3s.example.com”. Add k3s.example.com to the TLS names (Pi1’s own, or the cluster’s), or dial an address the certificate has.',
      'warning networking.apiPort: An API port other than 6443 is known to break in-cluster clients (metrics-server, local-path-provisioner reaching 10.43.0.1:443). Keep 6443 unless you must.',
      'error networking.serviceCidr: The service network 10.42.128.0/17 overlaps the pod network 10.42.0.0/16; they must be separate.',
      'error nodes[2].address: 10.42.3.4 lies inside 10.42.0.0/16 (networking.clusterCidr); pick a pod/service network that does not overlap your LAN.',
      'error nodes[0].address: “300.1.1.1” is not an IP address or host name (for example 192.168.1.20 or pi1.local).',
      'error nodes[0].nodeName: “Pi1” is not a valid node name: use lower-case letters, digits, “-” and “.”, starting and ending with a letter or digit.',
      'error nodes[2].nodeIp: The node IP must be an IP address of this machine, not “eth0”.',
      'error nodes[2].labels.node-role.kubernetes.io/worker: Nodes may not set the label “node-role.kubernetes.io/worker” on themselves (the kubelet refuses to start); use your own prefix, e.g. example.com/role, or node.kubernetes.io/….',
      'error nodes[2].taints[0]: “x” is not a taint: write key=value:Effect or key:Effect, with Effect NoSchedule, PreferNoSchedule or NoExecute.',
      'error nodes[2].nodeName: Two machines are both named “b” (see nodes[1]); K3s rejects the second one. Give each machine its own node name.',
      'warning nodes: There are 2 servers. Use an odd number (1, 3 or 5): etcd needs a majority, so 2 servers tolerate 0 failed servers, the same as 1, with one more machine that can fail.',
    ]);
  });

  it('wants a SAN for a host name the kubeconfig uses, not for a server IP', () => {
    expect(messages(makeSpec([node('a', 'pi1.local', 'server')]))).toEqual([
      expect.stringMatching(
        /^error networking.tlsSans: kubectl \(the kubeconfig\) would dial pi1.local, .*x509: certificate is valid for/,
      ) as unknown,
    ]);
    expect(
      messages(makeSpec([node('a', 'pi1.local', 'server')], { networking: { tlsSans: ['pi1.local'] } })),
    ).toEqual([]);
    expect(messages(makeSpec([node('a', '10.0.0.1', 'server')]))).toEqual([]);
  });

  it('checks versions, channels, mirrors and client networks', () => {
    const spec = makeSpec([node('a', '10.0.0.1', 'server')], {
      k3s: { version: '1.33', channel: 'edge' },
      install: { source: 'online', scriptUrl: 'http://mirror.local/install.sh', githubUrl: 'ftp://x' },
      firewall: { clients: ['10.0.0.0/8', 'office'] },
    });
    expect(messages(spec)).toEqual([
      'error k3s.version: “1.33” is not a K3s release; write it like v1.33.5+k3s1.',
      'error k3s.channel: “edge” is not a K3s channel: use stable, latest or v1.NN.',
      'warning k3s.channel: Both a version and a channel are set; the version 1.33 wins.',
      'warning install.scriptUrl: This address is plain http: what it serves runs as root on every machine. Prefer https.',
      'error install.githubUrl: The releases address (GITHUB_URL) must be a web address starting with https:// (or http://, less safe); got “ftp://x”.',
      'error firewall.clients[1]: “office” is not an IP address or network (for example 192.168.1.0/24).',
    ]);
  });

  it('loadSpec adds line numbers to meaning problems', () => {
    const text = `${header}networking:\n  apiPort: 10250\nnodes:\n  - { address: 10.0.0.1, user: pi, role: agent, nodeName: a }\n`;
    const { spec, issues } = loadSpec(text);
    expect(spec).toBeNull();
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [5, 'networking.apiPort'],
      [6, 'nodes'],
    ]);
  });
});

describe('size limits', () => {
  const one = (extra: Record<string, unknown> = {}) => ({
    address: '10.0.0.1',
    user: 'pi',
    role: 'server',
    nodeName: 'a',
    ...extra,
  });
  const base = { apiVersion: 'k3s-wizard/v1', kind: 'Cluster', name: 'lab' };
  const issuesOf = (value: unknown) => parseSpecObject(value).issues.map((i) => `${i.path}: ${i.message}`);

  it('refuses a 5 MB label value, saying what the limit is', () => {
    const issues = issuesOf({ ...base, nodes: [one({ labels: { big: 'x'.repeat(5_000_000) } })] });
    expect(issues).toEqual([expect.stringMatching(/^nodes\[0\]\.labels\.big: .*63 characters/)]);
  });

  it('refuses 10,000 nodes', () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => one({ nodeName: `n${i}`, address: `h${i}` }));
    expect(issuesOf({ ...base, nodes })).toEqual([expect.stringMatching(/^nodes: .*at most 100 machines/)]);
  });

  it.each([
    ['a cluster name', { ...base, name: 'n'.repeat(254), nodes: [one()] }, /^name: .*253/],
    ['a node name', { ...base, nodes: [one({ nodeName: 'n'.repeat(254) })] }, /nodeName: .*253/],
    ['an address', { ...base, nodes: [one({ address: 'a'.repeat(254) })] }, /address: .*253/],
    [
      'a key path',
      { ...base, nodes: [one({ auth: { method: 'key', keyPath: `/${'k'.repeat(4096)}` } })] },
      /keyPath: .*4096/,
    ],
    ['a taint', { ...base, nodes: [one({ taints: ['t'.repeat(401)] })] }, /taints\[0\]: .*400/],
    [
      'many taints',
      { ...base, nodes: [one({ taints: Array.from({ length: 65 }, (_, i) => `k${i}:NoSchedule`) })] },
      /taints: .*64/,
    ],
    [
      'many labels',
      {
        ...base,
        nodes: [one({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) })],
      },
      /labels: .*64/,
    ],
    ['a label key', { ...base, nodes: [one({ labels: { ['k'.repeat(318)]: 'v' } })] }, /labels.*317/],
    [
      'a URL',
      { ...base, install: { source: 'online', scriptUrl: `https://${'u'.repeat(2048)}` }, nodes: [one()] },
      /scriptUrl: .*2048/,
    ],
    [
      'many TLS names',
      {
        ...base,
        networking: { tlsSans: Array.from({ length: 101 }, (_, i) => `n${i}.lan`) },
        nodes: [one()],
      },
      /tlsSans: .*100/,
    ],
    [
      'many firewall clients',
      {
        ...base,
        firewall: { clients: Array.from({ length: 257 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) },
        nodes: [one()],
      },
      /clients: .*256/,
    ],
  ])('refuses an oversized %s', (_what, value, message) => {
    expect(issuesOf(value)).toEqual([expect.stringMatching(message)]);
  });
});
