import { describe, expect, it } from 'vitest';
import { buildPlan } from '../plan';
import { ClusterSpec } from '../spec';
import { adoptCluster, versionOfK3sOutput, splitSecrets, type AdoptInput } from './adopt';

const node = (name: string, roles: string[], arch: string, internalIp: string) => ({
  name,
  roles,
  arch,
  internalIp,
  ready: true,
  version: 'v1.33.5+k3s1',
});

const input = (over: Partial<AdoptInput> = {}): AdoptInput => ({
  name: 'home',
  login: { address: '192.168.1.10', port: 22, user: 'pi', auth: { method: 'agent' }, sudoPassword: true },
  version: 'v1.33.5+k3s1',
  nodes: [
    node('a1', [], 'arm', '192.168.1.21'),
    node('s1', ['control-plane', 'master'], 'amd64', '192.168.1.10'),
    node('a2', [], 'arm64', ''),
  ],
  serverNode: 's1',
  config: {
    'tls-san': 'k3s.home',
    'node-label': ['site=home'],
    disable: 'traefik,servicelb',
    'kube-apiserver-arg': ['x'],
  },
  addresses: {},
  ...over,
});

describe('adopt', () => {
  it('reads the version line of k3s --version', () => {
    expect(versionOfK3sOutput('k3s version v1.33.5+k3s1 (abcdef12)\ngo version go1.24.6\n')).toBe(
      'v1.33.5+k3s1',
    );
    expect(versionOfK3sOutput('none\n')).toBeNull();
  });

  it('keeps the secrets of config.yaml apart', () => {
    const { settings, secrets } = splitSecrets({ token: 's3cret', 'agent-token': 'a9ent', 'tls-san': ['x'] });
    expect(settings).toEqual({ 'tls-san': ['x'] });
    expect(secrets).toEqual(['s3cret', 'a9ent']);
  });

  it('makes a valid cluster file: the server first, every node adopted, the unknown address listed', () => {
    const { spec, missing, notes } = adoptCluster(input());
    const parsed = ClusterSpec.parse(spec);
    expect(parsed.nodes.map((n) => [n.nodeName, n.role, n.address, n.arch, n.adopted])).toEqual([
      ['s1', 'server', '192.168.1.10', 'amd64', true],
      ['a1', 'agent', '192.168.1.21', 'arm', true],
    ]);
    expect(parsed.nodes[0]?.labels).toEqual({ site: 'home' });
    expect(parsed.nodes[0]?.sudo.password).toBe(true);
    expect(parsed.networking.tlsSans).toEqual(['k3s.home']);
    expect(parsed.disable).toEqual(['traefik', 'servicelb']);
    expect(parsed.k3s.version).toBe('v1.33.5+k3s1');
    expect(missing).toEqual([{ node: 'a2', what: expect.stringContaining('--address a2=HOST') as string }]);
    expect(notes.join('\n')).toContain('kube-apiserver-arg');
  });

  it('takes the addresses the user gives', () => {
    const { spec, missing } = adoptCluster(input({ addresses: { a2: 'pi-two.lan' } }));
    expect(spec.nodes.map((n) => n.address)).toEqual(['192.168.1.10', '192.168.1.21', 'pi-two.lan']);
    expect(missing).toEqual([]);
  });

  it('plans nothing on an adopted node but its firewall and a check that K3s runs', () => {
    const { spec } = adoptCluster(input({ addresses: { a2: '192.168.1.22' } }));
    const parsed = ClusterSpec.parse({
      ...spec,
      nodes: [...spec.nodes, { address: '192.168.1.30', user: 'pi', role: 'agent', nodeName: 'new' }],
    });
    const result = buildPlan(parsed, {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const kept = result.plan.steps.find((s) => s.id === 'install:s1');
    expect(kept?.title).toBe('Keep K3s server (installed outside k3s-wizard)');
    expect(kept?.actions.map((a) => a.kind)).toEqual(['wait-for']);
    expect(kept?.alreadyDone?.command).toContain('k3s');
    const fresh = result.plan.steps.find((s) => s.id === 'install:new');
    expect(fresh?.actions.some((a) => a.kind === 'write-file')).toBe(true);
  });
});
