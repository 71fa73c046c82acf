import { describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER, EMPTY_LISTENER, serverApiPort } from './cluster-slice';
import { type HostEntry } from './hosts-slice';
import { buildPlan } from '../../../shared/plan';
import { makeFacts } from '../../../test-support/shared/spec';
import { buildSpecInput, checkSpec, issuesAt } from './spec';

const host = (address: string, role: 'server' | 'agent', nodeName: string): HostEntry => ({
  id: address,
  address,
  port: 22,
  user: 'pi',
  auth: 'agent',
  keyPath: '',
  role,
  nodeName,
});

describe('spec built from the wizard', () => {
  it('is valid with the defaults and one server', () => {
    const { spec, issues } = checkSpec(buildSpecInput(DEFAULT_CLUSTER, [host('10.0.0.2', 'server', 'srv')]));
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(spec).toMatchObject({
      name: 'homelab',
      k3s: { channel: 'stable' },
      install: { source: 'online' },
      nodes: [{ address: '10.0.0.2', role: 'server', nodeName: 'srv', auth: { method: 'agent' } }],
    });
  });

  it('carries every option into the spec', () => {
    const input = buildSpecInput(
      {
        ...DEFAULT_CLUSTER,
        name: 'lab',
        version: { kind: 'version', version: 'v1.33.5+k3s1' },
        source: { kind: 'airgap', folder: '/k3s', images: false },
        flannelBackend: 'wireguard-native',
        tlsSans: 'k3s.lan, 203.0.113.7',
        disable: ['traefik'],
        kubeconfigFile: 'separate',
      },
      [host('10.0.0.2', 'server', 'srv')],
    );
    expect(input).toMatchObject({
      k3s: { version: 'v1.33.5+k3s1' },
      install: { source: 'airgap', folder: '/k3s', images: false },
      networking: { flannelBackend: 'wireguard-native', tlsSans: ['k3s.lan', '203.0.113.7'] },
      disable: ['traefik'],
      kubeconfig: { file: 'separate' },
    });
  });

  it('reports overlapping CIDRs and duplicate node names at their paths', () => {
    const { spec, issues } = checkSpec(
      buildSpecInput({ ...DEFAULT_CLUSTER, serviceCidr: '10.42.128.0/17' }, [
        host('10.0.0.2', 'server', 'same'),
        host('10.0.0.3', 'agent', 'same'),
      ]),
    );
    expect(spec).toBeNull();
    expect(issuesAt(issues, 'networking').length).toBeGreaterThan(0);
    expect(issuesAt(issues, 'nodes[1]').some((i) => /same/.test(i.message))).toBe(true);
  });

  it('does not promise to ask for a sudo password the user already gave', () => {
    const facts = { srv: makeFacts('10.0.0.2', { sudo: 'password' }) };
    const without = checkSpec(buildSpecInput(DEFAULT_CLUSTER, [host('10.0.0.2', 'server', 'srv')])).spec!;
    const given = checkSpec(
      buildSpecInput(DEFAULT_CLUSTER, [{ ...host('10.0.0.2', 'server', 'srv'), sudoPasswordGiven: true }]),
    ).spec!;
    const warnings = (spec: typeof given) => {
      const result = buildPlan(spec, facts);
      return result.ok ? result.plan.issues.map((i) => i.message) : [];
    };
    expect(warnings(without).join('\n')).toMatch(
      /asks pi for a password and none was given: enter it with “Edit login”/,
    );
    expect(warnings(given).join('\n')).not.toMatch(/sudo/);
    expect(warnings(given).join('\n')).not.toMatch(/will be asked for/);
  });
});

describe('a server’s own listen port from the Cluster step', () => {
  it('goes into its listener, and the checks and connection tests use it for that server only', () => {
    const hosts = [host('10.0.0.2', 'server', 'srv'), host('10.0.0.3', 'agent', 'a1')];
    const cluster = {
      ...DEFAULT_CLUSTER,
      listeners: {
        '10.0.0.2': { ...EMPTY_LISTENER, httpsListenPort: ' 46443 ' },
        '10.0.0.3': { ...EMPTY_LISTENER },
      },
    };
    const { spec } = checkSpec(buildSpecInput(cluster, hosts));
    expect(spec?.nodes[0]?.listener).toEqual({ httpsListenPort: 46443, tlsSans: [] });
    expect(spec?.nodes[1]?.listener).toBeUndefined();
    expect(spec?.networking.apiPort).toBe(6443);
    expect(serverApiPort(cluster, '10.0.0.2')).toBe(46443);
    expect(serverApiPort(cluster, '10.0.0.9')).toBe(6443);
    expect(serverApiPort({ ...cluster, apiPort: 8443 }, '10.0.0.3')).toBe(8443);
  });
});
