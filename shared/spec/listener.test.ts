import { describe, expect, it } from 'vitest';
import { makeFacts, makeSpec, node } from '../../test-support/shared/spec';
import { joinCommand, renderJoinCommand } from '../join';
import { buildPlan } from '../plan';
import { nodeConfig } from '../plan/k3s-config';
import {
  certificateCovers,
  certificateNames,
  joinUrl,
  kubeconfigUrl,
  kubernetesServiceIp,
  listenerIssues,
  x509Reason,
} from './listener';
import { validateSpec } from './validate';

const errors = (issues: { severity: string; path: string; message: string }[]) =>
  issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`);

describe('listener options', () => {
  const cluster = (extra: Parameters<typeof makeSpec>[1] = {}, server: Parameters<typeof node>[3] = {}) =>
    makeSpec([node('s1', '10.0.0.10', 'server', server), node('a1', '10.0.0.11', 'agent')], {
      networking: { apiPort: 46443 },
      ...extra,
    });

  it('follow the chosen port and endpoint in the join URL, the kubeconfig and config.yaml', () => {
    const spec = cluster(
      { networking: { apiPort: 46443, endpoint: { address: '10.0.0.200' } } },
      { listener: { tlsSans: ['10.0.0.200'], advertiseAddress: '10.0.0.10', advertisePort: 46443 } },
    );
    expect(errors(validateSpec(spec))).toEqual([]);
    expect(joinUrl(spec)).toBe('https://10.0.0.200:46443');
    expect(kubeconfigUrl(spec)).toBe('https://10.0.0.200:46443');
    const settings = nodeConfig(spec, spec.nodes[0]!, {
      facts: null,
      joinUrl: null,
      clusterInit: false,
    }).settings;
    expect(settings).toContain('https-listen-port: 46443\n');
    expect(settings).toContain('advertise-address: 10.0.0.10\n');
    expect(settings).toContain('advertise-port: 46443\n');
    expect(settings).toContain('tls-san:\n  - 10.0.0.200\n');
    const agent = nodeConfig(spec, spec.nodes[1]!, {
      facts: null,
      joinUrl: joinUrl(spec),
      clusterInit: false,
    }).settings;
    expect(agent).toContain('server: https://10.0.0.200:46443\n');
    const line = renderJoinCommand(joinCommand(spec, spec.nodes[0]!, { nodeName: 'pi9', naming: 'env' }));
    expect(line).toContain('K3S_URL=https://10.0.0.200:46443 K3S_NODE_NAME=pi9 K3S_TOKEN=');
    expect(line).not.toContain('--node-name');
    const plan = buildPlan(spec, { s1: makeFacts('10.0.0.10'), a1: makeFacts('10.0.0.11') });
    expect(plan.ok).toBe(true);
    const save = plan.ok
      ? plan.plan.steps.flatMap((s) => s.actions).find((a) => a.kind === 'save-kubeconfig')
      : undefined;
    expect(save).toMatchObject({ server: 'https://10.0.0.200:46443' });
  });

  it('refuses an address the certificate lacks, with Go’s x509 reason, before install', () => {
    const spec = cluster({ networking: { apiPort: 46443, endpoint: { address: '10.0.0.200' } } });
    expect(errors(validateSpec(spec))).toEqual([
      'networking.endpoint: kubectl (the kubeconfig) and joining nodes would dial 10.0.0.200, which is not in s1’s certificate, and fail with “x509: certificate is valid for 127.0.0.1, ::1, 10.43.0.1, 10.0.0.10, not 10.0.0.200”. Add 10.0.0.200 to the TLS names (s1’s own, or the cluster’s), or dial an address the certificate has.',
    ]);
    const plan = buildPlan(spec, { s1: makeFacts('10.0.0.10'), a1: makeFacts('10.0.0.11') });
    expect(plan.ok).toBe(false);
  });

  it('takes the node IP K3s picks from the facts: a second address of the machine is not in the certificate', () => {
    // SSH reaches the server on a second address; K3s's node IP is the default-route one.
    const spec = makeSpec([node('s1', '10.0.0.200', 'server')]);
    expect(errors(validateSpec(spec))).toEqual([]); // unprobed: the SSH address stands for the node IP
    const facts = { s1: makeFacts('10.0.0.10') };
    expect(errors(validateSpec(spec, facts))).toEqual([
      expect.stringMatching(
        /^networking\.tlsSans: kubectl \(the kubeconfig\) would dial 10\.0\.0\.200, .*“x509: certificate is valid for 127\.0\.0\.1, ::1, 10\.43\.0\.1, 10\.0\.0\.10, not 10\.0\.0\.200”/,
      ),
    ]);
    expect(certificateNames(spec, spec.nodes[0]!, facts.s1).names).toContain('host-10-0-0-10');
  });

  it('with a VIP in front, every server’s certificate must have it', () => {
    const spec = makeSpec(
      [
        node('s1', '10.0.0.10', 'server', { listener: { tlsSans: ['vip.lan'] } }),
        node('s2', '10.0.0.12', 'server'),
        node('s3', '10.0.0.13', 'server'),
      ],
      { networking: { endpoint: { address: 'vip.lan', port: 443 } } },
    );
    expect(errors(validateSpec(spec)).map((e) => e.slice(0, 120))).toEqual([
      'networking.endpoint: kubectl (the kubeconfig) and joining nodes would dial vip.lan, which is not in s2’s certificate, an',
      'networking.endpoint: kubectl (the kubeconfig) and joining nodes would dial vip.lan, which is not in s3’s certificate, an',
    ]);
    const ok = makeSpec(spec.nodes, {
      networking: { endpoint: { address: 'vip.lan', port: 443 }, tlsSans: ['vip.lan'] },
    });
    expect(errors(validateSpec(ok))).toEqual([]);
    expect(joinUrl(ok)).toBe('https://vip.lan:443');
  });

  it('checks the options themselves', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.10', 'server', {
        listener: {
          bindAddress: 'eth0',
          advertiseAddress: '10.0.0.300',
          advertisePort: 70000,
          tlsSans: ['a b'],
        },
        nodeExternalIp: 'public',
      }),
      node('a1', '10.0.0.11', 'agent', { listener: { tlsSans: [] } }),
    ]);
    expect(errors(listenerIssues(spec))).toEqual([
      'nodes[0].nodeExternalIp: The external IP must be an IP address, not “public”.',
      'nodes[0].listener.bindAddress: The bind address must be an IP address, not “eth0”.',
      'nodes[0].listener.advertiseAddress: The advertise address must be an IP address, not “10.0.0.300”.',
      'nodes[0].listener.advertisePort: The advertise port must be a whole number from 1 to 65535.',
      'nodes[0].listener.tlsSans[0]: “a b” is not a host name or IP address for the certificate.',
      'nodes[1].listener: a1 is an agent: bind and advertise addresses, listen and advertise ports and TLS names are API server options. Remove them or make it a server.',
    ]);
  });

  it('a bind address the machine lacks, or one nodes do not dial, is refused', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.10', 'server', { listener: { bindAddress: '10.0.0.99' } }),
      node('a1', '10.0.0.11', 'agent'),
    ]);
    const facts = { s1: makeFacts('10.0.0.10'), a1: makeFacts('10.0.0.11') };
    expect(errors(listenerIssues(spec, facts))).toEqual([
      'nodes[0].listener.bindAddress: s1 has no address 10.0.0.99 (it has 10.0.0.10); K3s could not listen there. Use one of its addresses, or leave it empty to listen on all.',
    ]);
    const other = makeSpec([
      node('s1', '10.0.0.10', 'server', { listener: { bindAddress: '10.0.0.10' } }),
      node('a1', '10.0.0.11', 'agent'),
    ]);
    expect(errors(listenerIssues(other, facts))).toEqual([]);
    const twoNics = {
      ...facts,
      s1: makeFacts('10.0.0.10', {
        addresses: [
          { iface: 'eth0', address: '10.0.0.10', family: 4, prefixLength: 24 },
          { iface: 'eth1', address: '192.168.5.10', family: 4, prefixLength: 24 },
        ],
      }),
    };
    const bound = makeSpec([
      node('s1', '10.0.0.10', 'server', {
        listener: { bindAddress: '192.168.5.10', tlsSans: ['192.168.5.10'] },
      }),
      node('a1', '10.0.0.11', 'agent'),
    ]);
    expect(errors(listenerIssues(bound, twoNics))).toEqual([
      'nodes[0].listener.bindAddress: s1’s API listens only on 192.168.5.10, but nodes would join it at 10.0.0.10. Set its node IP to 192.168.5.10, or set the API endpoint to 192.168.5.10.',
    ]);
  });

  it('matches names as Go does', () => {
    expect(certificateCovers(['*.lan', '10.0.0.1'], 'api.lan')).toBe(true);
    expect(certificateCovers(['*.lan'], 'a.b.lan')).toBe(false);
    expect(certificateCovers(['10.0.0.1'], '10.0.0.1')).toBe(true);
    expect(certificateCovers(['api.lan'], '10.0.0.1')).toBe(false);
    expect(x509Reason(['localhost'], '10.0.0.1')).toBe(
      "x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs",
    );
    expect(
      kubernetesServiceIp(
        makeSpec([node('s', '10.0.0.1', 'server')], { networking: { serviceCidr: '10.96.0.0/12' } }),
      ),
    ).toBe('10.96.0.1');
  });
});

describe('the kubernetes service check after install', () => {
  it('is part of verify with a port other than 6443, and names the fix', () => {
    const spec = makeSpec([node('s1', '10.0.0.10', 'server')], { networking: { apiPort: 46443 } });
    const plan = buildPlan(spec, { s1: makeFacts('10.0.0.10') });
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    const verify = plan.plan.steps.find((s) => s.id === 'verify:cluster')!;
    const check = verify.actions.find((a) => a.what.includes('kubernetes service'));
    expect(check?.what).toBe(
      'check that the in-cluster kubernetes service (10.43.0.1:443) reaches the API on port 46443',
    );
    expect(check?.kind === 'wait-for' && check.check.command).toContain(
      '--server "https://$1:443" get --raw /readyz',
    );
    expect(check?.kind === 'wait-for' && check.check.command).toContain(
      'set advertise-port: 46443 on every server',
    );
    const plain = buildPlan(makeSpec([node('s1', '10.0.0.10', 'server')]), { s1: makeFacts('10.0.0.10') });
    expect(
      plain.ok &&
        plain.plan.steps.flatMap((s) => s.actions).some((a) => a.what.includes('kubernetes service')),
    ).toBe(false);
  });
});

describe('node identity', () => {
  it('with-node-id: config.yaml asks for the id instead of a name, verify finds the node by host name and address', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.10', 'server'),
      node('clone-a', '10.0.0.11', 'agent', { withNodeId: true }),
    ]);
    const facts = {
      s1: makeFacts('10.0.0.10'),
      'clone-a': makeFacts('10.0.0.11', { hostname: 'RaspberryPi' }),
    };
    const config = nodeConfig(spec, spec.nodes[1]!, {
      facts: facts['clone-a'],
      joinUrl: 'https://10.0.0.10:6443',
      clusterInit: false,
    });
    expect(config.settings).toContain('with-node-id: true\n');
    expect(config.settings).not.toContain('node-name');
    const plan = buildPlan(spec, facts);
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    const wait = plan.plan.steps.find((s) => s.id === 'verify:cluster')!.actions[0]!;
    expect(wait.what).toBe(
      'wait until every node is Ready: s1, clone-a (named raspberrypi-<id> by K3s, at 10.0.0.11)',
    );
    // s1 by its name; clone-a by no name, its host name prefix and its address.
    expect(wait.kind === 'wait-for' && wait.check.command).toMatch(
      / s1 s1 '' '' clone-a '' raspberrypi- 10\.0\.0\.11$/,
    );
  });

  it('the join line offers --node-name, K3S_NODE_NAME or --with-node-id', () => {
    const spec = makeSpec([node('s1', '10.0.0.10', 'server')]);
    const server = spec.nodes[0]!;
    expect(renderJoinCommand(joinCommand(spec, server, { nodeName: 'pi7' }))).toContain(
      'agent --node-name pi7',
    );
    expect(renderJoinCommand(joinCommand(spec, server, { naming: 'with-node-id' }))).toMatch(
      /sh -s - agent --with-node-id$/,
    );
    expect(renderJoinCommand(joinCommand(spec, server, { nodeName: 'pi7', naming: 'env' }))).toMatch(
      /K3S_NODE_NAME=pi7 .* sh -s - agent$/,
    );
  });
});
