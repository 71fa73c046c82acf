import { describe, expect, it } from 'vitest';
import { ClusterStatusSchema, formatStatus, type ClusterStatus } from './status';

const status: ClusterStatus = {
  cluster: 'home',
  server: 's1',
  version: 'v1.33.5+k3s1',
  nodes: [
    {
      name: 's1',
      ready: true,
      roles: ['control-plane', 'master'],
      version: 'v1.33.5+k3s1',
      arch: 'amd64',
      internalIp: '10.0.0.1',
      inFile: true,
    },
    {
      name: 'pi',
      ready: false,
      roles: [],
      version: 'v1.33.5+k3s1',
      arch: 'arm',
      internalIp: '10.0.0.2',
      inFile: false,
    },
  ],
  notJoined: ['a9'],
  flows: [
    {
      from: 'pi',
      to: 's1',
      port: 6443,
      proto: 'tcp',
      flow: 'api',
      purpose: 'Kubernetes API',
      status: 'open',
      detail: '',
    },
    {
      from: 's1',
      to: 'pi',
      port: 8472,
      proto: 'udp',
      flow: 'flannel-vxlan',
      purpose: 'VXLAN',
      status: 'blocked',
      detail: 'no answer',
    },
  ],
  blocked: 'pi drops 8472/udp',
  flowsError: null,
  tokens: [],
};

describe('the cluster page in text', () => {
  it('lists nodes, what the file lacks, the flows and the tokens', () => {
    expect(ClusterStatusSchema.parse(status)).toEqual(status);
    const text = formatStatus(status);
    expect(text).toContain('Cluster home: K3s v1.33.5+k3s1 on s1; 1 of 2 nodes Ready.');
    expect(text).toMatch(
      /pi\s+NotReady\s+<none>\s+v1\.33\.5\+k3s1\s+arm\s+10\.0\.0\.2\s+\(not in the cluster file\)/,
    );
    expect(text).toContain('In the cluster file but not in the cluster: a9');
    expect(text).toContain('Flows between the nodes: 1 of 2 open.');
    expect(text).toMatch(/s1\s+pi\s+8472\/udp\s+VXLAN\s+blocked: no answer/);
    expect(text).toContain('Join tokens: none.');
  });
});
