// #19.1: the API listen port per server (listener.httpsListenPort), end to end in the pure core:
// validation, config.yaml, join URL, kubeconfig, join command, flows, firewall, checks, plan.
import { describe, expect, it } from 'vitest';
import { makeFacts, makeSpec, node, zone } from '../../test-support/shared/spec';
import { runChecks } from '../checks';
import { requiredPaths } from '../checks/connectivity';
import type { HostFacts } from '../facts';
import { firewallAdvice } from '../firewall/advice';
import { clusterFlows } from '../firewall/flows';
import { planFirewall } from '../firewall';
import { draftFromAdopted } from '../day-two/adopt-draft';
import { exportK3sAnsible, importK3sAnsible } from '../interop/k3s-ansible';
import { joinCommand, renderJoinCommand } from '../join';
import { buildPlan } from '../plan';
import { nodeConfig } from '../plan/k3s-config';
import { flowNodes, portLabel, requiredPorts } from '../ports';
import { shJoin } from '../shell';
import { advertisedPort, joinUrl, kubeconfigUrl, listenPort } from './listener';
import { validateSpec } from './validate';
import { loadSpec, specToYaml } from './yaml';

const at = (issues: { severity: string; path: string; message: string }[], severity: string) =>
  issues.filter((i) => i.severity === severity).map((i) => `${i.path}: ${i.message}`);

function firewalld(address: string): HostFacts {
  return makeFacts(address, {
    firewall: {
      kind: 'firewalld',
      firewalldActive: true,
      ufwActive: false,
      firewalld: {
        defaultZone: 'public',
        zones: [zone('public', { interfaces: ['eth0'], services: ['ssh'] })],
      },
      ufw: null,
      rawRuleCount: 0,
    },
  });
}

function ufw(address: string): HostFacts {
  return makeFacts(address, {
    firewall: {
      kind: 'ufw',
      firewalldActive: false,
      ufwActive: true,
      firewalld: null,
      ufw: { defaultIncoming: 'deny', rules: [] },
      rawRuleCount: 0,
    },
  });
}

const withPort = (port: number, extra: Record<string, unknown> = {}) => ({
  listener: { httpsListenPort: port, tlsSans: [], ...extra },
});

describe('a server with a listen port of its own', () => {
  const spec = makeSpec([
    node('s1', '10.0.0.10', 'server', withPort(46443)),
    node('a1', '10.0.0.11', 'agent'),
    node('a2', '10.0.0.12', 'agent'),
  ]);
  const facts = { s1: firewalld('10.0.0.10'), a1: ufw('10.0.0.11'), a2: makeFacts('10.0.0.12') };

  it('listens there, and nodes, kubectl and the join command reach it there', () => {
    expect(spec.networking.apiPort).toBe(6443);
    expect(listenPort(spec, spec.nodes[0]!)).toBe(46443);
    expect(at(validateSpec(spec, facts), 'error')).toEqual([]);
    // the 10.43.0.1:443 trap, said at the field
    expect(at(validateSpec(spec, facts), 'warning')).toContain(
      'nodes[0].listener.httpsListenPort: An API port other than 6443 is known to break in-cluster clients (metrics-server, local-path-provisioner reaching 10.43.0.1:443). Keep 6443 unless you must.',
    );
    expect(joinUrl(spec, facts)).toBe('https://10.0.0.10:46443');
    expect(kubeconfigUrl(spec)).toBe('https://10.0.0.10:46443');
    const server = nodeConfig(spec, spec.nodes[0]!, { facts: null, joinUrl: null, clusterInit: false });
    expect(server.settings).toContain('https-listen-port: 46443\n');
    const agent = nodeConfig(spec, spec.nodes[1]!, {
      facts: null,
      joinUrl: joinUrl(spec),
      clusterInit: false,
    });
    expect(agent.settings).toContain('server: https://10.0.0.10:46443\n');
    expect(agent.settings).not.toContain('https-listen-port');
    const line = renderJoinCommand(joinCommand(spec, spec.nodes[0]!, { nodeName: 'pi9' }));
    expect(line).toContain('K3S_URL=https://10.0.0.10:46443 ');
  });

  it('opens exactly its own port on it, and no API port on the agents', () => {
    expect(requiredPorts(spec, spec.nodes[0]!).map(portLabel)).toEqual([
      '46443/tcp',
      '8472/udp',
      '10250/tcp',
    ]);
    expect(requiredPorts(spec, spec.nodes[1]!).map(portLabel)).toEqual(['8472/udp', '10250/tcp']);
    const s1 = planFirewall({ spec, node: spec.nodes[0]!, facts: facts.s1, allFacts: facts });
    const s1Lines = s1.commands.map((c) => shJoin(c.argv));
    expect(s1Lines).toContain('firewall-cmd --permanent --zone=public --add-port=46443/tcp');
    expect(s1Lines.join('\n')).not.toMatch(/\b6443\/tcp/);
    const a1 = planFirewall({ spec, node: spec.nodes[1]!, facts: facts.a1, allFacts: facts });
    const a1Lines = a1.commands.map((c) => shJoin(c.argv)).join('\n');
    expect(a1.tool).toBe('ufw');
    expect(a1Lines).not.toMatch(/\b6443\b/);
    // the firewall picture and the documented-minimum advice follow it too
    const api = clusterFlows(spec, facts).filter((f) => f.rule.id === 'api');
    expect(api.map((f) => `${f.from}→${f.to} ${portLabel(f.rule)}`)).toEqual([
      'you→s1 46443/tcp',
      'a1→s1 46443/tcp',
      'a2→s1 46443/tcp',
    ]);
    expect(firewallAdvice(spec).firewalld).toContain('firewall-cmd --permanent --add-port=46443/tcp');
  });

  it('the connection tests and the host check test its own port', () => {
    const paths = requiredPaths(flowNodes(spec)).filter((p) => p.flow === 'api');
    expect(paths.map((p) => `${p.from}→${p.to} ${p.port}`)).toEqual(['a1→s1 46443', 'a2→s1 46443']);
    const taken = makeFacts('10.0.0.10', {
      listeners: [{ proto: 'tcp', address: '0.0.0.0', port: 46443, process: 'nginx' }],
    });
    const checks = runChecks({ hosts: [{ id: 's1', role: 'server', facts: taken, apiPort: 46443 }] });
    expect(checks.find((c) => c.id === 'api-port')).toMatchObject({
      status: 'fail',
      title: 'Port 46443',
    });
  });

  it('the plan writes it, saves the kubeconfig at it and checks the kubernetes service on it', () => {
    const plan = buildPlan(spec, facts);
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    const save = plan.plan.steps.flatMap((s) => s.actions).find((a) => a.kind === 'save-kubeconfig');
    expect(save).toMatchObject({ server: 'https://10.0.0.10:46443' });
    const verify = plan.plan.steps.find((s) => s.id === 'verify:cluster')!;
    expect(verify.title).toContain('the in-cluster kubernetes service reaches the API on port 46443');
    expect(verify.actions.map((a) => a.what)).toContain(
      'check that the in-cluster kubernetes service (10.43.0.1:443) reaches the API on port 46443',
    );
  });

  it('an endpoint on a second address of it takes its port unless the endpoint says another', () => {
    const via = makeSpec(
      [
        node('s1', '10.0.0.10', 'server', withPort(46443, { tlsSans: ['10.0.0.250'] })),
        node('a1', '10.0.0.11', 'agent'),
      ],
      { networking: { endpoint: { address: '10.0.0.250' } } },
    );
    expect(at(validateSpec(via), 'error')).toEqual([]);
    expect(joinUrl(via)).toBe('https://10.0.0.250:46443');
    expect(kubeconfigUrl(via)).toBe('https://10.0.0.250:46443');
    const lb = makeSpec(via.nodes, { networking: { endpoint: { address: '10.0.0.250', port: 443 } } });
    expect(joinUrl(lb)).toBe('https://10.0.0.250:443');
  });

  it('the cluster file keeps it, with its line for a bad value; the exports carry it', () => {
    const text = specToYaml(spec);
    expect(text).toContain('httpsListenPort: 46443');
    expect(loadSpec(text).spec?.nodes[0]?.listener?.httpsListenPort).toBe(46443);
    const bad = loadSpec(text.replace('httpsListenPort: 46443', 'httpsListenPort: 10250'));
    expect(bad.spec).toBeNull();
    expect(bad.issues.find((i) => i.path === 'nodes[0].listener.httpsListenPort')?.line).toBe(
      text.split('\n').findIndex((l) => l.includes('httpsListenPort')) + 1,
    );
    // k3s-ansible has one api_port: the first server's, which its agents join at
    const { value, notes } = exportK3sAnsible(spec);
    expect(value).toContain('api_port: 46443\n');
    expect(notes.join('\n')).not.toContain('was not carried over');
    const back = importK3sAnsible(value, { name: 'lab' }).value;
    expect(back.networking?.apiPort).toBe(46443);
    // a saved cluster (adopt) opens in the form with it
    const draft = draftFromAdopted(spec).draft;
    expect(Object.values(draft.cluster.listeners ?? {})[0]).toMatchObject({ httpsListenPort: '46443' });
  });
});

describe('the listen port is refused where it cannot work', () => {
  const one = (port: number, extra: Parameters<typeof node>[3] = {}, facts = {}) =>
    at(
      validateSpec(
        makeSpec([node('s1', '10.0.0.10', 'server', { ...withPort(port), ...extra })], {
          networking: { nodePortRange: '30000-32767' },
        }),
        facts,
      ),
      'error',
    );

  it('outside 1-65535, a port K3s takes itself, a NodePort, the SSH port', () => {
    expect(one(70000)).toEqual([
      'nodes[0].listener.httpsListenPort: The listen port must be a whole number from 1 to 65535.',
    ]);
    expect(one(6444)).toEqual([
      'nodes[0].listener.httpsListenPort: Port 6444 is used by K3s itself (on 127.0.0.1 only); keep the API on 6443, or pick a port K3s does not use.',
    ]);
    expect(one(10250)).toEqual([
      'nodes[0].listener.httpsListenPort: Port 10250 is used by K3s itself (between the nodes); keep the API on 6443, or pick a port K3s does not use.',
    ]);
    expect(one(30080)).toEqual([
      'nodes[0].listener.httpsListenPort: s1’s listen port 30080 lies in the NodePort range 30000-32767; pick a port outside it.',
    ]);
    expect(one(22)).toEqual([
      'nodes[0].listener.httpsListenPort: s1’s SSH server listens on port 22: the API cannot listen there too. Pick another port (6443 unless policy says otherwise).',
    ]);
    // the port sshd told the probe, when this computer reaches it through a forward
    const forwarded = makeFacts('10.0.0.10', {
      ssh: { clientAddress: '10.0.0.1', serverAddress: '10.0.0.10', serverPort: 2222 },
    });
    expect(one(2222, { port: 22 }, { s1: forwarded })).toHaveLength(1);
    expect(one(8443)).toEqual([]);
  });

  it('on an agent', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.10', 'server'),
      node('a1', '10.0.0.11', 'agent', withPort(46443)),
    ]);
    expect(at(validateSpec(spec), 'error')).toEqual([
      'nodes[1].listener: a1 is an agent: bind and advertise addresses, listen and advertise ports and TLS names are API server options. Remove them or make it a server.',
    ]);
  });
});

describe('several servers', () => {
  it('are refused when the cluster would reach them at different ports, naming why and the fix', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.10', 'server', withPort(46443)),
      node('s2', '10.0.0.11', 'server'),
      node('s3', '10.0.0.12', 'server'),
    ]);
    const errors = at(validateSpec(spec), 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(
      'nodes[1].listener.httpsListenPort: s2 would be reached at port 6443, s1 at 46443: the in-cluster kubernetes service (and every agent’s load balancer) reaches all servers at one port, so in-cluster clients and agents would fail with “connection refused” on one of them. Give every server the same listen port, or, where a forwarder on s2 maps port 46443 to its listener, set its advertise port to 46443.',
    );
    expect(buildPlan(spec).ok).toBe(false);
  });

  it('may listen on different ports when each is advertised at the common one (a forwarder maps it)', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.10', 'server', withPort(46443)),
      node('s2', '10.0.0.11', 'server', { listener: { advertisePort: 46443, tlsSans: [] } }),
      node('s3', '10.0.0.12', 'server', withPort(46443)),
      node('a1', '10.0.0.13', 'agent'),
    ]);
    const facts = {
      s1: makeFacts('10.0.0.10'),
      s2: makeFacts('10.0.0.11'),
      s3: makeFacts('10.0.0.12'),
      a1: makeFacts('10.0.0.13'),
    };
    expect(at(validateSpec(spec, facts), 'error')).toEqual([]);
    expect(spec.nodes.map((n) => (n.role === 'server' ? advertisedPort(spec, n) : null))).toEqual([
      46443,
      46443,
      46443,
      null,
    ]);
    // each server opens its own listen port only
    expect(spec.nodes.map((n) => requiredPorts(spec, n).find((r) => r.id === 'api')?.from ?? null)).toEqual([
      46443,
      6443,
      46443,
      null,
    ]);
    const plan = buildPlan(spec, facts);
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    const config = (name: string) =>
      plan.plan.steps
        .find((s) => s.id === `install:${name}`)!
        .actions.flatMap((a) => (a.kind === 'write-file' ? a.content : []))
        .map((part) => ('text' in part ? part.text : ''))
        .join('');
    // further servers join the first at its port; s2 keeps 6443 and advertises 46443
    expect(config('s2')).toContain('server: https://10.0.0.10:46443\n');
    expect(config('s2')).not.toContain('https-listen-port');
    expect(config('s2')).toContain('advertise-port: 46443\n');
    expect(config('s3')).toContain('https-listen-port: 46443\n');
    expect(config('a1')).toContain('server: https://10.0.0.10:46443\n');
    // the kubernetes-service check on each further server that listens on a port other than 6443
    const service = plan.plan.steps.filter((s) => s.id.startsWith('servers:service:'));
    expect(service.map((s) => `${s.host}: ${s.title}`)).toEqual([
      's2: Check that the in-cluster kubernetes service reaches s2’s API on port 6443',
      's3: Check that the in-cluster kubernetes service reaches s3’s API on port 46443',
    ]);
    // s2 is reached through its forwarder: the check says so, and what to fix there
    const s2 = service[0]!.actions[0]!;
    expect(s2.what).toBe(
      'check that the in-cluster kubernetes service (10.43.0.1:443) reaches the API on s2 on port 6443 (advertised at 46443)',
    );
    expect(s2.kind === 'wait-for' && s2.check.command).toContain(
      'the forwarder on s2 must map port 46443 to 6443 for connections made on the machine itself too',
    );
    expect(plan.plan.steps.find((s) => s.id === 'verify:cluster')!.dependsOn).toContain('servers:service:s3');
    expect(exportK3sAnsible(spec).notes).toContain(
      'k3s-ansible gives every server one api_port (46443): s2’s listen port 6443 was not carried over: k3s-ansible would make it listen on 46443.',
    );
  });
});
