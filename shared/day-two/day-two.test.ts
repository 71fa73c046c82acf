import { describe, expect, it } from 'vitest';
import { makeSpec, node } from '../../test-support/shared/spec';
import {
  blockingPods,
  compareVersions,
  describeUpgrade,
  parseClusterNodes,
  parseK3sVersion,
  peerUndoLines,
  planRemoval,
  configWithJoinUrl,
  planUpgrade,
  type ClusterNode,
} from './index';

const spec = makeSpec([
  node('s1', '10.0.0.1', 'server'),
  node('s2', '10.0.0.2', 'server'),
  node('s3', '10.0.0.3', 'server'),
  node('a1', '10.0.0.4', 'agent'),
  node('a2', '10.0.0.5', 'agent'),
]);

function state(version: string, over: Record<string, Partial<ClusterNode>> = {}): ClusterNode[] {
  return spec.nodes.map((n) => ({
    name: n.nodeName,
    role: n.role,
    version,
    ready: true,
    unschedulable: false,
    internalIp: n.address,
    etcd: n.role === 'server',
    arch: 'amd64',
    ...over[n.nodeName],
  }));
}

const plan = (
  target: string,
  cluster: ClusterNode[],
  extra: { force?: boolean; cordonedByUs?: string[] } = {},
) =>
  planUpgrade({
    spec,
    cluster,
    target,
    force: extra.force ?? false,
    cordonedByUs: extra.cordonedByUs ?? [],
    file: 'c.yaml',
  });

describe('K3s versions', () => {
  it('parses release versions and orders them', () => {
    const a = parseK3sVersion('v1.33.5+k3s1');
    const b = parseK3sVersion('v1.33.5+k3s2');
    const c = parseK3sVersion('v1.34.1+k3s1');
    expect(a).toMatchObject({ major: 1, minor: 33, patch: 5, build: 1 });
    expect(a && b && compareVersions(a, b)).toBeLessThan(0);
    expect(c && b && compareVersions(c, b)).toBeGreaterThan(0);
    expect(parseK3sVersion('1.33.5')).toBeNull();
    expect(parseK3sVersion('v1.34.0-rc1+k3s1')).toBeNull();
  });
});

describe('planning an upgrade', () => {
  it('goes servers one at a time, then agents, each from its version to the target', () => {
    const r = plan('v1.33.5+k3s1', state('v1.32.9+k3s1'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.nodes.map((n) => `${n.name}:${n.kind}:${n.from}->${n.to}`)).toEqual([
      's1:upgrade:v1.32.9+k3s1->v1.33.5+k3s1',
      's2:upgrade:v1.32.9+k3s1->v1.33.5+k3s1',
      's3:upgrade:v1.32.9+k3s1->v1.33.5+k3s1',
      'a1:upgrade:v1.32.9+k3s1->v1.33.5+k3s1',
      'a2:upgrade:v1.32.9+k3s1->v1.33.5+k3s1',
    ]);
    expect(describeUpgrade(r.plan)[0]).toMatch(/s1\s+server\s+v1\.32\.9\+k3s1 → v1\.33\.5\+k3s1/);
  });

  it('refuses a jump of two minor versions and names the one to go through', () => {
    const r = plan('v1.34.1+k3s1', state('v1.32.9+k3s1'));
    expect(r).toEqual({
      ok: false,
      reason: expect.stringContaining('one minor version at a time') as string,
    });
    if (r.ok) return;
    expect(r.reason).toContain('Upgrade to v1.33 first (k3s-wizard upgrade c.yaml --channel v1.33)');
  });

  it('refuses a downgrade unless forced, and forced sends the agents first', () => {
    const cluster = state('v1.33.5+k3s1');
    const r = plan('v1.32.9+k3s1', cluster);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/downgrade is not supported.*--force/);
    const forced = plan('v1.32.9+k3s1', cluster, { force: true });
    expect(forced.ok && forced.plan.nodes.map((n) => n.name)).toEqual(['a1', 'a2', 's1', 's2', 's3']);
  });

  it('skips nodes at the target, so a second run continues where the first stopped', () => {
    const cluster = state('v1.33.5+k3s1', {
      a2: { version: 'v1.32.9+k3s1', unschedulable: true, ready: false },
    });
    const r = plan('v1.33.5+k3s1', cluster, { cordonedByUs: ['a2'] });
    expect(r.ok && r.plan.nodes.map((n) => `${n.name}:${n.kind}:${n.uncordon}`)).toEqual([
      's1:skip:false',
      's2:skip:false',
      's3:skip:false',
      'a1:skip:false',
      'a2:upgrade:true',
    ]);
    expect(r.ok && r.plan.warnings).toEqual(['a2 is NotReady now.']);
  });

  it('uncordons a node it left cordoned, and leaves one cordoned by someone else', () => {
    const cluster = state('v1.33.5+k3s1', { a1: { unschedulable: true }, a2: { unschedulable: true } });
    const r = plan('v1.33.5+k3s1', cluster, { cordonedByUs: ['a1'] });
    expect(r.ok && r.plan.nodes.filter((n) => n.role === 'agent').map((n) => `${n.name}:${n.kind}`)).toEqual([
      'a1:uncordon',
      'a2:skip',
    ]);
    const older = plan('v1.34.1+k3s1', cluster);
    expect(older.ok && older.plan.nodes.find((n) => n.name === 'a2')).toMatchObject({
      kind: 'upgrade',
      uncordon: false,
    });
  });

  it('refuses a node of the file that is not in the cluster, and a version that is no release', () => {
    const cluster = state('v1.33.5+k3s1').filter((n) => n.name !== 'a2');
    const r = plan('v1.34.1+k3s1', cluster);
    expect(!r.ok && r.reason).toMatch(/a2 is in c\.yaml but not in the cluster: run k3s-wizard apply/);
    const bad = plan('latest', state('v1.33.5+k3s1'));
    expect(!bad.ok && bad.reason).toMatch(/not a K3s release version/);
  });
});

describe('planning a removal', () => {
  it('refuses the last server, with the reason', () => {
    const one = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.4', 'agent')]);
    const r = planRemoval({ spec: one, cluster: [], name: 's1' });
    expect(!r.ok && r.reason).toMatch(/only server: without it there is no cluster.*k3s-wizard uninstall/);
  });

  it('lets the first server go: the join URL moves to the next server (nothing moves with an endpoint)', () => {
    const first = planRemoval({ spec, cluster: state('v1.33.5+k3s1'), name: 's1' });
    expect(first.ok && first.plan.joinMove).toEqual({
      from: 'https://10.0.0.1:6443',
      to: 'https://10.0.0.2:6443',
      newFirst: 's2',
    });
    expect(first.ok && first.plan.remaining.nodes.map((n) => n.nodeName)).toEqual(['s2', 's3', 'a1', 'a2']);
    expect(first.ok && first.plan.warnings.join(' ')).toMatch(
      /join through s2 \(https:\/\/10\.0\.0\.2:6443\)/,
    );
    const behind = { ...spec, networking: { ...spec.networking, endpoint: { address: 'k3s.home.arpa' } } };
    const lb = planRemoval({ spec: behind, cluster: state('v1.33.5+k3s1'), name: 's1' });
    expect(lb.ok && lb.plan.joinMove).toBeNull();
    // the next server must be Ready to take the others' joins
    const down = planRemoval({ spec, cluster: state('v1.33.5+k3s1', { s2: { ready: false } }), name: 's1' });
    expect(!down.ok && down.reason).toMatch(/s2 is NotReady/);
    // with 2 of 3 servers down, the first one may not go either: etcd's quorum
    const two = planRemoval({
      spec,
      cluster: state('v1.33.5+k3s1', { s2: { ready: false }, s3: { ready: false } }),
      name: 's1',
    });
    expect(!two.ok && two.reason).toMatch(
      /^Removing s1 breaks etcd's quorum: 0 of the 2 servers left would be running/,
    );
  });

  it('refuses a server whose loss breaks etcd quorum', () => {
    const cluster = state('v1.33.5+k3s1', { s3: { ready: false } });
    const r = planRemoval({ spec, cluster, name: 's2' });
    expect(!r.ok && r.reason).toBe(
      "Removing s2 breaks etcd's quorum: 1 of the 2 servers left would be running (s3 is NotReady), and etcd needs 2 of 2. Bring s3 back first.",
    );
    // the broken one itself may go: the two left are running
    const dead = planRemoval({ spec, cluster, name: 's3' });
    expect(dead.ok && dead.plan.warnings.join(' ')).toMatch(/2 servers are left.*NotReady/);
  });

  it('removes an agent, leaving the others in the cluster file', () => {
    const r = planRemoval({ spec, cluster: state('v1.33.5+k3s1'), name: 'a1' });
    expect(r.ok && r.plan.remaining.nodes.map((n) => n.nodeName)).toEqual(['s1', 's2', 's3', 'a2']);
    expect(r.ok && r.plan.warnings).toEqual([]);
    const none = planRemoval({ spec, cluster: [], name: 'zz' });
    expect(!none.ok && none.reason).toMatch(/has no node zz; its nodes: s1, s2, s3, a1, a2/);
  });
});

describe('reading the cluster', () => {
  it('reads roles, versions, readiness and cordons from kubectl get nodes -o json', () => {
    const json = JSON.stringify({
      items: [
        {
          metadata: {
            name: 's1',
            labels: {
              'node-role.kubernetes.io/control-plane': 'true',
              'node-role.kubernetes.io/etcd': 'true',
            },
          },
          spec: { unschedulable: true },
          status: {
            conditions: [{ type: 'Ready', status: 'True' }],
            addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
            nodeInfo: { kubeletVersion: 'v1.33.5+k3s1' },
          },
        },
        { metadata: { name: 'a1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
      ],
    });
    expect(parseClusterNodes(json)).toEqual([
      {
        name: 's1',
        role: 'server',
        version: 'v1.33.5+k3s1',
        ready: true,
        unschedulable: true,
        internalIp: '10.0.0.1',
        etcd: true,
        arch: '',
      },
      {
        name: 'a1',
        role: 'agent',
        version: '',
        ready: false,
        unschedulable: false,
        internalIp: '',
        etcd: false,
        arch: '',
      },
    ]);
    expect(() => parseClusterNodes('{"kind":"Status"}')).toThrow('Expected a list of nodes, got Status.');
  });

  it('names the pods that block a drain', () => {
    const bare =
      'error: unable to drain node "a1" due to error: cannot delete Pods that declare no controller (use --force to override): default/bare, default/other, continuing command...';
    expect(blockingPods(bare)).toEqual(['default/bare', 'default/other']);
    const pdb =
      'There are pending pods in node "a1" when an error occurred: [error when evicting pods/"web-1-x" -n "default": global timeout reached: 10s]';
    expect(blockingPods(pdb)).toEqual(['default/web-1-x']);
  });
});

describe('the firewall rules of a leaving machine', () => {
  it('takes the record lines that name its address, and no other', () => {
    const record = [
      `firewall-cmd --permanent --zone=public --remove-rich-rule='rule family="ipv4" source address="10.0.0.4" port port="10250" protocol="tcp" accept'`,
      `firewall-cmd --permanent --zone=public --remove-rich-rule='rule family="ipv4" source address="10.0.0.40" port port="10250" protocol="tcp" accept'`,
      'ufw delete allow from 10.0.0.4 to any port 8472 proto udp',
      'ufw delete allow from 110.0.0.4 to any port 8472 proto udp',
      'firewall-cmd --permanent --zone=internal --remove-source=10.0.0.4/32',
      'ufw delete allow 6443/tcp',
      '',
    ].join('\n');
    expect(peerUndoLines(record, ['10.0.0.4'])).toEqual([
      `firewall-cmd --permanent --zone=public --remove-rich-rule='rule family="ipv4" source address="10.0.0.4" port port="10250" protocol="tcp" accept'`,
      'ufw delete allow from 10.0.0.4 to any port 8472 proto udp',
      'firewall-cmd --permanent --zone=internal --remove-source=10.0.0.4/32',
    ]);
  });
});

describe('pointing the others at the next server', () => {
  const config =
    '# Written by k3s-wizard for cluster c; replaced on the next run.\nnode-name: s3\nserver: https://10.0.0.1:6443\nflannel-backend: vxlan\ntoken: "K10x::server:pw"\n';

  it('rewrites server: in place, keeping every other line', () => {
    const next = configWithJoinUrl(config, { url: 'https://10.0.0.2:6443' });
    expect(next).toBe(config.replace('https://10.0.0.1:6443', 'https://10.0.0.2:6443'));
    expect(configWithJoinUrl(next ?? '', { url: 'https://10.0.0.2:6443' })).toBeNull();
    // a first server's config (no server:) is left alone
    expect(
      configWithJoinUrl('node-name: s1\ncluster-init: true\n', { url: 'https://10.0.0.2:6443' }),
    ).toBeNull();
  });

  it('makes the server that takes over join nothing, with cluster-init', () => {
    const next = configWithJoinUrl(config, { first: true, clusterInit: true }) ?? '';
    expect(next).not.toMatch(/^server:/m);
    expect(next).toMatch(/^cluster-init: true$/m);
    expect(next).toContain('token: "K10x::server:pw"');
  });
});
