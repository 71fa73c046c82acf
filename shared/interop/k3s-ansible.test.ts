import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSpec, specToYaml, type ClusterSpec } from '../spec';
import { exportK3sAnsible, importK3sAnsible } from './k3s-ansible';

const CLUSTER = `
apiVersion: k3s-wizard/v1
kind: Cluster
name: homelab
k3s: { version: v1.33.5+k3s1 }
disable: [traefik, servicelb]
networking: { tlsSans: [k3s.home.example], clusterCidr: 10.52.0.0/16 }
firewall: { policy: configure }
nodes:
  - { address: 192.168.1.10, user: pi, role: server, nodeName: pi-server, auth: { method: key, keyPath: /home/me/.ssh/id_ed25519 } }
  - { address: 192.168.1.11, user: pi, role: agent, nodeName: 192.168.1.11 }
  - { address: 192.168.1.12, port: 2222, user: ubuntu, role: agent, nodeName: gpu, labels: { gpu: "yes" }, sudo: { password: true } }
`;

function load(text: string): ClusterSpec {
  const loaded = loadSpec(text);
  if (!loaded.spec) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return loaded.spec;
}

// A k3s-ansible inventory as its own sample writes it, with a token and Jinja.
const INVENTORY = `
---
k3s_cluster:
  children:
    server:
      hosts:
        192.16.35.11:
        192.16.35.12:
        192.16.35.13:
    agent:
      hosts:
        192.16.35.20:
          ansible_user: debian
          extra_agent_args: "--node-label=zone=a --node-name=worker-a"
        worker-b:
          ansible_host: 192.16.35.21
  vars:
    ansible_port: 22
    ansible_user: ubuntu
    k3s_version: v1.30.2+k3s1
    token: "RawdodasSecretCluster"
    api_endpoint: "{{ hostvars[groups['server'][0]]['ansible_host'] | default(groups['server'][0]) }}"
    extra_server_args:
      - "--disable traefik"
      - "--secrets-encryption"
      - "--tls-san=k3s.example"
`;

describe('k3s-ansible inventories', () => {
  it('export: servers and agents by address, shared vars, per-node flags, no secret', () => {
    const { value, notes } = exportK3sAnsible(load(CLUSTER));
    const inv = parse(value) as {
      k3s_cluster: {
        children: Record<'server' | 'agent', { hosts: Record<string, Record<string, unknown> | null> }>;
        vars: Record<string, unknown>;
      };
    };
    const { server, agent } = inv.k3s_cluster.children;
    expect(Object.keys(server.hosts)).toEqual(['192.168.1.10']);
    expect(Object.keys(agent.hosts)).toEqual(['192.168.1.11', '192.168.1.12']);
    expect(inv.k3s_cluster.vars).toMatchObject({
      ansible_port: 22,
      ansible_user: 'pi',
      k3s_version: 'v1.33.5+k3s1',
      api_endpoint: '192.168.1.10',
      extra_server_args:
        '--disable=traefik --disable=servicelb --tls-san=k3s.home.example --cluster-cidr=10.52.0.0/16',
      cluster_context: 'homelab',
    });
    expect(server.hosts['192.168.1.10']).toEqual({
      ansible_ssh_private_key_file: '/home/me/.ssh/id_ed25519',
      extra_server_args:
        '--disable=traefik --disable=servicelb --tls-san=k3s.home.example --cluster-cidr=10.52.0.0/16 --node-name=pi-server',
    });
    expect(agent.hosts['192.168.1.11']).toBeNull();
    expect(agent.hosts['192.168.1.12']).toEqual({
      ansible_port: 2222,
      ansible_user: 'ubuntu',
      extra_agent_args: '--node-name=gpu --node-label=gpu=yes',
    });
    expect(inv.k3s_cluster.vars).not.toHaveProperty('token');
    expect(notes.join('\n')).toContain('Set token yourself');
    expect(notes.join('\n')).toContain('--ask-become-pass');
  });

  it('a cluster file exported and imported again is the same cluster', () => {
    const spec = load(CLUSTER);
    const back = importK3sAnsible(exportK3sAnsible(spec).value, { name: 'homelab' });
    const again = load(specToYaml(back.value));
    expect(
      again.nodes.map((n) => [n.address, n.port, n.user, n.role, n.nodeName, n.labels, n.auth, n.sudo]),
    ).toEqual(
      spec.nodes.map((n) => [
        n.address,
        n.port,
        n.user,
        n.role,
        n.nodeName,
        n.labels,
        n.auth,
        { password: false },
      ]),
    );
    expect(again.k3s.version).toBe(spec.k3s.version);
    expect(again.disable).toEqual(spec.disable);
    expect(again.networking.tlsSans).toEqual(spec.networking.tlsSans);
    expect(again.networking.clusterCidr).toBe(spec.networking.clusterCidr);
  });

  it('import: groups, host vars over group vars, flags read, token and templates left out', () => {
    const { value, notes } = importK3sAnsible(INVENTORY, { name: 'from-ansible' });
    const spec = load(specToYaml(value));
    expect(spec.nodes.map((n) => `${n.role} ${n.nodeName} ${n.user}@${n.address}:${n.port}`)).toEqual([
      // an inventory name that is a valid node name (an address is one) stays the node name
      'server 192.16.35.11 ubuntu@192.16.35.11:22',
      'server 192.16.35.12 ubuntu@192.16.35.12:22',
      'server 192.16.35.13 ubuntu@192.16.35.13:22',
      'agent worker-a debian@192.16.35.20:22',
      'agent worker-b ubuntu@192.16.35.21:22',
    ]);
    expect(spec.nodes[3]?.labels).toEqual({ zone: 'a' });
    expect(spec.k3s.version).toBe('v1.30.2+k3s1');
    expect(spec.disable).toEqual(['traefik']);
    expect(spec.networking.tlsSans).toEqual(['k3s.example']);
    expect(spec.ha.embeddedEtcd).toBe(true);
    expect(spec.kubeconfig.server).toBeUndefined();
    expect(specToYaml(value)).not.toContain('RawdodasSecretCluster');
    const said = notes.join('\n');
    expect(said).toContain('Left out on purpose (secrets never go into a cluster file): token.');
    expect(said).toContain('Not carried over (no cluster-file setting): --secrets-encryption.');
    expect(said).toContain('Jinja templates are not evaluated (api_endpoint)');
  });

  it('import under all.children, and clear errors for what is not an inventory', () => {
    const nested = `all:\n  vars: { ansible_user: admin }\n  children:\n    k3s_cluster:\n      children:\n        server: { hosts: { 10.0.0.1: } }\n`;
    const { value } = importK3sAnsible(nested, { name: 'nested' });
    expect(load(specToYaml(value)).nodes[0]).toMatchObject({
      address: '10.0.0.1',
      user: 'admin',
      role: 'server',
    });
    expect(() => importK3sAnsible('[server]\n10.0.0.1\n', { name: 'x' })).toThrow(
      /INI.*ansible-inventory -i/,
    );
    expect(() => importK3sAnsible('servers: [a, b]\n', { name: 'x' })).toThrow(/No k3s_cluster group found/);
    expect(() => importK3sAnsible('k3s_cluster: {children: {}}', { name: 'x' })).toThrow(/has no hosts/);
    expect(() => importK3sAnsible('a: [', { name: 'x' })).toThrow(/not valid YAML/);
  });
});
