import { describe, expect, it } from 'vitest';
import { draftFromAdopted } from '../../../shared/day-two/adopt-draft';
import { ClusterDraftInputSchema } from '../../../shared/draft';
import { ClusterSpec } from '../../../shared/spec';
import { buildSpecInput } from './spec';

const adopted = ClusterSpec.parse({
  apiVersion: 'k3s-wizard/v1',
  kind: 'Cluster',
  name: 'homelab',
  k3s: { version: 'v1.33.5+k3s1' },
  install: { source: 'online', scriptUrl: 'https://get.k3s.io' },
  ha: { embeddedEtcd: true },
  networking: {
    flannelBackend: 'wireguard-native',
    clusterCidr: '10.52.0.0/16',
    serviceCidr: '10.53.0.0/16',
    apiPort: 7443,
    tlsSans: ['k3s.lan'],
  },
  disable: ['traefik'],
  firewall: { policy: 'configure', clients: 'anywhere' },
  nodes: [
    {
      address: '192.168.1.10',
      user: 'pi',
      auth: { method: 'key', keyPath: '/home/me/.ssh/id_ed25519' },
      sudo: { password: true },
      role: 'server',
      nodeName: 'pi-server',
      labels: { site: 'attic' },
    },
    {
      address: '192.168.1.11',
      port: 2222,
      user: 'pi',
      auth: { method: 'agent' },
      role: 'agent',
      nodeName: 'pi-a',
    },
  ],
});

describe('an adopted cluster as a saved cluster', () => {
  it('is a valid installed draft without secrets that builds the same cluster back', () => {
    const { draft, notes } = draftFromAdopted(adopted);
    expect(ClusterDraftInputSchema.safeParse(draft).success).toBe(true);
    expect(draft.reached).toContain('done');
    const back = ClusterSpec.parse(buildSpecInput(draft.cluster as never, draft.hosts));
    expect(back.k3s).toEqual(adopted.k3s);
    expect(back.ha).toEqual(adopted.ha);
    expect(back.networking).toMatchObject({
      flannelBackend: 'wireguard-native',
      clusterCidr: '10.52.0.0/16',
      serviceCidr: '10.53.0.0/16',
      apiPort: 7443,
      tlsSans: ['k3s.lan'],
    });
    expect(back.disable).toEqual(['traefik']);
    expect(back.nodes.map((n) => [n.nodeName, n.role, n.address, n.port, n.user, n.auth.method])).toEqual([
      ['pi-server', 'server', '192.168.1.10', 22, 'pi', 'key'],
      ['pi-a', 'agent', '192.168.1.11', 2222, 'pi', 'agent'],
    ]);
    expect(back.nodes[0]?.sudo.password).toBe(true);
    // what the form cannot hold is said, not silently dropped
    expect(notes.join('\n')).toContain('pi-server: its labels stay as set on the machine');
  });
});
