// The firewall step on lab hosts (firewalld on the server, ufw with a sudo password on the
// agent): a rule that would cut SSH and one that would cut a cluster port are found, named and
// rolled back with nothing made permanent; then the plan as made is checked and made permanent,
// the cluster is built, and a re-run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../e2e/lab/index';
import { labHosts } from '../../test-support/lab-setup';
import type { HostFacts } from '../../shared/facts';
import { sameRules, type FirewallChange } from '../../shared/firewall';
import type { Plan } from '../../shared/plan';
import { asNodes, clusterFile, labFacts, labRun, type ClusterFile } from '../../test-support/engine/lab';

const SPECS = [
  { name: 'i7fs', firewall: 'firewalld' as const },
  { name: 'i7fa', firewall: 'ufw' as const, sudo: 'password' as const },
];
let cluster: ClusterFile;
let facts: Record<string, HostFacts>;
let agentAddress: string;

const { names } = labHosts({ beforeAll, afterAll }, SPECS, {
  setUp: async (up) => {
    agentAddress = up[1]!.address;
    cluster = clusterFile('i7fw', asNodes(up), { firewall: { policy: 'configure', clients: 'anywhere' } });
    facts = await labFacts(cluster);
  },
});

/** The plan with one more runtime rule in the middle of the server's firewall step. */
function withRule(rule: FirewallChange): (plan: Plan) => Plan {
  return (plan) => ({
    ...plan,
    steps: plan.steps.map((s) =>
      s.id === 'prepare:i7fs:firewall'
        ? {
            ...s,
            actions: s.actions.map((a) =>
              a.kind === 'firewall'
                ? { ...a, runtime: [...a.runtime.slice(0, 2), rule, ...a.runtime.slice(2)] }
                : a,
            ),
          }
        : s,
    ),
  });
}

async function rules(): Promise<{ runtime: string; permanent: string }> {
  const runtime = await exec('i7fs', ['firewall-cmd', '--list-all-zones']);
  const permanent = await exec('i7fs', ['firewall-cmd', '--permanent', '--list-all-zones']);
  return { runtime: runtime.stdout, permanent: permanent.stdout };
}

async function guards(): Promise<string[]> {
  const ps = await exec('i7fs', ['ps', '-eo', 'args']);
  const files = await exec('i7fs', ['sh', '-c', 'ls /var/lib/k3s-wizard/guards 2>/dev/null; true']);
  return [
    ...ps.stdout.split('\n').filter((l) => /k3s-wizard-guard-[0-9a-f]{16}/.test(l)),
    ...files.stdout.split('\n').filter(Boolean),
  ];
}

describe('firewall apply on lab hosts', () => {
  it('a rule that would cut SSH is found and rolled back; nothing is made permanent', async () => {
    const me = facts.i7fs?.ssh.clientAddress ?? '';
    expect(me).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const before = await rules();
    const cut: FirewallChange = {
      command: `firewall-cmd --zone=block --add-source=${me}`,
      undo: [`firewall-cmd --zone=block --remove-source=${me}`],
      what: 'send this computer to zone block',
    };
    const { started, pool } = await labRun(cluster, { facts, edit: withRule(cut) });
    const snapshot = await started.done;
    pool.closeAll();
    const step = snapshot.steps['prepare:i7fs:firewall'];
    expect(step?.error?.code, JSON.stringify(step?.error)).toBe('FIREWALL_LOCKOUT');
    expect(step?.error?.message).toContain('i7fs');
    expect(step?.error?.message).toContain('the rule that cut it: “send this computer to zone block”');
    expect(step?.error?.message).toContain('The rules found before are back in place.');
    expect(snapshot.steps['install:i7fs']?.status).toBe('blocked');
    const after = await rules();
    expect(sameRules(before.runtime, after.runtime)).toBe(true);
    expect(sameRules(before.permanent, after.permanent)).toBe(true);
    expect(await guards()).toEqual([]);
  });

  it('a rule that would cut a cluster port is named with the path it cut, and rolled back', async () => {
    const before = await rules();
    const rich = `rule family="ipv4" source address="${agentAddress}" port port="10250" protocol="tcp" reject`;
    const reject: FirewallChange = {
      command: `firewall-cmd --zone=public '--add-rich-rule=${rich}'`,
      undo: [`firewall-cmd --zone=public '--remove-rich-rule=${rich}'`],
      what: 'reject the kubelet port from the agent',
    };
    const { started, pool } = await labRun(cluster, { facts, edit: withRule(reject) });
    const snapshot = await started.done;
    pool.closeAll();
    const error = snapshot.steps['prepare:i7fs:firewall']?.error;
    expect(error?.code, JSON.stringify(error)).toBe('FIREWALL_BLOCKS_CLUSTER');
    expect(error?.message).toContain('i7fa → i7fs on 10250/tcp');
    expect(error?.message).toContain('“reject the kubelet port from the agent”');
    const after = await rules();
    expect(sameRules(before.runtime, after.runtime)).toBe(true);
    expect(sameRules(before.permanent, after.permanent)).toBe(true);
  });

  it('the plan as made is checked, made permanent, the cluster is built; a re-run changes nothing', async () => {
    const first = await labRun(cluster, { facts });
    const snapshot = await first.started.done;
    first.pool.closeAll();
    const failed = Object.values(snapshot.steps).filter((s) => s.status === 'failed');
    expect(
      failed.map((s) => s.error),
      'no step fails',
    ).toEqual([]);
    expect(snapshot.status).toBe('succeeded');
    const output = snapshot.steps['prepare:i7fs:firewall']?.output.join('\n') ?? '';
    expect(output).toContain('a new SSH login from this computer works');
    expect(output).toContain('the cluster ports answer from the other nodes: 6443/tcp');
    const rich = await exec('i7fs', ['firewall-cmd', '--permanent', '--zone=public', '--list-rich-rules']);
    expect(rich.stdout).toContain(`source address="${agentAddress}" port port="10250" protocol="tcp" accept`);
    const ufw = await exec('i7fa', ['ufw', 'show', 'added']);
    expect(ufw.stdout).toContain("to any port 10250 proto tcp comment 'k3s-wizard: kubelet'");
    expect(await guards()).toEqual([]);
    expect((snapshot.nodes ?? []).map((n) => n.name).sort()).toEqual(names.slice().sort());

    const again = await labRun(cluster, { facts });
    const second = await again.started.done;
    again.pool.closeAll();
    expect(second.status).toBe('succeeded');
    expect(second.steps['prepare:i7fs:firewall']).toMatchObject({ status: 'skipped', skipReason: 'done' });
    expect(second.steps['prepare:i7fa:firewall']).toMatchObject({ status: 'skipped', skipReason: 'done' });
    expect(second.changed).toBe(false);
  });
});
