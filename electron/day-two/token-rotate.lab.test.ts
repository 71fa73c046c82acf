// The cluster token rotated through the command line on the lab's hosts (3 servers + 1 agent):
// `k3s-wizard token rotate` runs k3s token rotate on the first server, writes the new token into
// every node's config and restarts them one at a time. Afterwards every node is Ready, an agent
// restarted joins with the new token, the old token no longer opens the cluster and a server
// restarted with it fails, the bootstrap tokens are unaffected, and neither token appears in the
// run's stdout, stderr, run log or anything else under the app's data folder.
// Then the first server is removed: the others are pointed at the next one (their config's
// `server:`), it leaves etcd, and the cluster stays Ready without a restart; the cluster file
// and the kubeconfig follow it; an agent restarted and a new agent join through the new URL.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, mirror, up, type LabHost } from '../../e2e/lab/index';
import { runCli } from '../cli/program';
import { listNodesFromHere } from '../kubeconfig/check';
import { apply, clusterFile, type ClusterFile } from '../../test-support/engine/lab';

const SPECS = [
  { name: 't3s1', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 't3s2', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 't3s3', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 't3a1', arch: 'amd64' as const, firewall: 'none' as const },
];
const names = SPECS.map((s) => s.name);
let hosts: LabHost[] = [];
let cluster: ClusterFile;

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const plain = args[1] === 'rotate' ? ['--plain'] : [];
  const code = await runCli([...args, '--accept-new-host-keys', ...plain], {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: cluster.env,
    untilInterrupted: () => new Promise(() => undefined),
  });
  return { code, stdout: out.join(''), stderr: err.join(''), all: `${out.join('')}\n${err.join('')}` };
}

const readiness = async () => {
  const nodes = await listNodesFromHere({ path: cluster.env.KUBECONFIG as string, contextName: 't3' });
  return Object.fromEntries(nodes.map((n) => [n.name, n.ready]));
};
const sh = async (host: string, cmd: string) => (await exec(host, ['sh', '-c', cmd])).stdout;
const password = (token: string) =>
  token
    .trim()
    .split('::')
    .pop()
    ?.replace(/^server:/, '') ?? '';

/** Every file under a folder, read as text. */
function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...allFiles(path));
    else out.push(readFileSync(path, 'utf8'));
  }
  return out;
}

/** Whether the server at `host` accepts `pw` as the server token (what a joining server asks). */
const accepts = async (from: string, host: LabHost, pw: string) =>
  (
    await exec(from, [
      'sh',
      '-c',
      'curl -sk -o /dev/null -w "%{http_code}" -u "server:$1" "https://$2:6443/v1-k3s/server-bootstrap"',
      'probe',
      pw,
      host.address,
    ])
  ).stdout.trim();

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  hosts = await up(SPECS);
  cluster = clusterFile(
    't3',
    hosts.map((host, i) => ({ host, role: i < 3 ? ('server' as const) : ('agent' as const) })),
  );
  const first = await apply(cluster);
  expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
}, 1_800_000);

afterAll(async () => {
  await down([...names, 't3a2']);
});

describe('rotating the cluster token', { timeout: 1_200_000 }, () => {
  it('rotates it on every node, restarting them one at a time; the old token no longer works; no token is shown', async () => {
    const s1 = hosts[0] as LabHost;
    const made = await cli(['token', 'create', cluster.file, '--ttl', '2h', '--node-name', 'later']);
    expect(made.code, made.all).toBe(0);
    const bootstrapId = /Join token ([a-z0-9]{6})/.exec(made.stderr)?.[1] ?? '';
    expect(bootstrapId).toMatch(/^[a-z0-9]{6}$/);
    const old = password(await sh('t3s1', 'cat /var/lib/rancher/k3s/server/token'));
    expect(old.length).toBeGreaterThan(8);
    expect(await accepts('t3a1', s1, old)).toBe('200');

    // without --yes and without a terminal, nothing is done
    const asked = await cli(['token', 'rotate', cluster.file]);
    expect(asked.code, asked.all).toBe(2);
    expect(asked.stderr).toContain('Add --yes');
    expect(password(await sh('t3s1', 'cat /var/lib/rancher/k3s/server/token'))).toBe(old);

    const r = await cli(['token', 'rotate', cluster.file, '--yes', '--json']);
    expect(r.code, r.all).toBe(0);
    // what it changes, said first
    expect(r.stderr).toContain('every saved join command and K3S_TOKEN with the old one stops working');
    expect(r.stderr).toContain('etcd snapshots taken before need the old token');
    expect(r.stderr).toContain('Bootstrap tokens (k3s token create');
    const result = JSON.parse(r.stdout) as { outcome: string; steps: { id: string; status: string }[] };
    expect(result.outcome).toBe('succeeded');
    // servers one at a time (the first one first), then the agent
    const restarts = result.steps.filter((s) => s.id.endsWith(':restart')).map((s) => `${s.id} ${s.status}`);
    expect(restarts).toEqual(names.map((n) => `rotate:${n}:restart done`));

    const fresh = password(await sh('t3s1', 'cat /var/lib/rancher/k3s/server/token'));
    expect(fresh).not.toBe(old);
    for (const n of names) {
      expect(await sh(n, 'stat -c %a /etc/rancher/k3s/config.yaml')).toBe('600\n');
      const config = await sh(n, 'cat /etc/rancher/k3s/config.yaml');
      expect(config).toContain(fresh);
      expect(config).not.toContain(old);
    }
    expect(Object.values(await readiness())).toEqual([true, true, true, true]);

    // no token anywhere the app wrote or printed
    const seen = [r.stdout, r.stderr, ...allFiles(cluster.env.K3S_WIZARD_DATA_DIR as string)].join('\n');
    expect(seen).not.toContain(old);
    expect(seen).not.toContain(fresh);

    // the old token no longer opens the cluster, on any server; the new one does
    for (const h of hosts.slice(0, 3)) {
      expect(await accepts('t3a1', h, old)).toBe('401');
      expect(await accepts('t3a1', h, fresh)).toBe('200');
    }
    // the bootstrap token is unaffected
    const list = await cli(['token', 'list', cluster.file, '--json']);
    expect(list.code, list.all).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((t) => t.id)).toContain(bootstrapId);

    // an agent restarted joins with the new token
    await sh('t3a1', 'systemctl restart k3s-agent');
    expect(await sh('t3a1', 'systemctl is-active k3s-agent')).toBe('active\n');
    expect(await sh('t3a1', 'journalctl -u k3s-agent -n 20 --no-pager')).toContain(
      'Successfully registered node t3a1',
    );

    // a server restarted with the old token fails (its bootstrap data is encrypted with the new one)
    await exec('t3s2', [
      'sh',
      '-c',
      'cp /etc/rancher/k3s/config.yaml /root/config.new && sed -i "s/^token:.*/token: $1/" /etc/rancher/k3s/config.yaml',
      'swap',
      old,
    ]);
    const failed = await exec('t3s2', ['sh', '-c', 'timeout 60 systemctl restart k3s; echo "exit $?"']);
    expect(failed.stdout).not.toContain('exit 0');
    expect(await sh('t3s2', 'journalctl -u k3s -n 20 --no-pager')).toContain(
      'bootstrap data already found and encrypted with different token',
    );
    await sh('t3s2', 'cp /root/config.new /etc/rancher/k3s/config.yaml && systemctl restart k3s');
    expect(await sh('t3s2', 'systemctl is-active k3s')).toBe('active\n');

    // a second rotation stops at the agent whose K3s does not start, naming it with its journal;
    // the next run does not rotate again: it continues with that agent alone
    await sh(
      't3a1',
      'mv /usr/local/bin/k3s /usr/local/bin/k3s.real && printf "#!/bin/sh\\necho broken build >&2\\nexit 1\\n" > /usr/local/bin/k3s && chmod 0755 /usr/local/bin/k3s',
    );
    const stopped = await cli(['token', 'rotate', cluster.file, '--yes', '--ready-timeout', '30']);
    expect(stopped.code, stopped.all).toBe(1);
    expect(stopped.stderr).toMatch(/t3a1: Restart k3s-agent with the new token.*NODE_NOT_READY/);
    expect(stopped.stdout).toContain('journalctl -u k3s-agent');
    const second = password(await sh('t3s1', 'cat /var/lib/rancher/k3s/server/token'));
    expect(second).not.toBe(fresh);
    expect(await sh('t3a1', 'cat /etc/rancher/k3s/config.yaml')).toContain(second);
    await sh('t3a1', 'mv -f /usr/local/bin/k3s.real /usr/local/bin/k3s');
    const resumed = await cli(['token', 'rotate', cluster.file, '--yes']);
    expect(resumed.code, resumed.all).toBe(0);
    expect(resumed.stdout).toContain('did not finish: this run does not rotate again');
    for (const n of names.slice(0, 3))
      expect(resumed.stdout).toMatch(new RegExp(`\\[${n}\\] ✓ Restart k3s with the new token.*already done`));
    expect(resumed.stdout).toMatch(/\[t3a1\] ✓ Restart k3s-agent with the new token/);
    expect(password(await sh('t3s1', 'cat /var/lib/rancher/k3s/server/token'))).toBe(second);
    expect(Object.values(await readiness())).toEqual([true, true, true, true]);
    const all = [stopped.all, resumed.all, ...allFiles(cluster.env.K3S_WIZARD_DATA_DIR as string)].join('\n');
    for (const t of [old, fresh, second]) expect(all).not.toContain(t);
  });
});

describe('removing the first server', { timeout: 1_200_000 }, () => {
  it('moves the join URL to the next server; the cluster, its agents and the kubeconfig go on; a new agent joins', async () => {
    const [s1, s2] = hosts as [LabHost, LabHost];
    const url = (h: LabHost) => `https://${h.address}:6443`;
    const kubeconfig = () =>
      parse(readFileSync(cluster.env.KUBECONFIG as string, 'utf8')) as {
        clusters: { name: string; cluster: { server: string } }[];
      };
    expect(kubeconfig().clusters.find((c) => c.name === 't3')?.cluster.server).toBe(url(s1));

    const r = await cli(['remove', cluster.file, 't3s1', '--yes', '--plain']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(`point the others at t3s2 (${url(s2)})`);
    expect(r.stdout).toContain(`The other nodes join through t3s2 (${url(s2)}) from now on`);
    // nothing restarted: the others were only pointed at t3s2
    expect(r.stdout).not.toMatch(/\[t3(s2|s3|a1)\] .*Restart/);

    // the kubeconfig points at t3s2 now, and works; t3s1 is gone, the others stay Ready
    expect(kubeconfig().clusters.find((c) => c.name === 't3')?.cluster.server).toBe(url(s2));
    await expect
      .poll(async () => JSON.stringify(await readiness()), { timeout: 60_000, interval: 3_000 })
      .toBe(JSON.stringify({ t3a1: true, t3s2: true, t3s3: true }));
    const file = parse(readFileSync(cluster.file, 'utf8')) as { nodes: { nodeName: string }[] };
    expect(file.nodes.map((n) => n.nodeName)).toEqual(['t3s2', 't3s3', 't3a1']);
    // the configs, for the next restart: t3s2 joins nothing, the others join through it
    const s2config = await sh('t3s2', 'cat /etc/rancher/k3s/config.yaml');
    expect(s2config).not.toMatch(/^server:/m);
    expect(s2config).toMatch(/^cluster-init: true$/m);
    for (const n of ['t3s3', 't3a1'])
      expect(await sh(n, 'cat /etc/rancher/k3s/config.yaml')).toMatch(
        new RegExp(`^server: ${url(s2)}$`, 'm'),
      );
    expect(await sh('t3s1', 'ls /usr/local/bin/k3s 2>&1; systemctl is-active k3s')).not.toMatch(
      /^\/usr|^active/m,
    );

    // an agent restarted joins through t3s2
    await sh('t3a1', 'systemctl restart k3s-agent');
    expect(await sh('t3a1', 'journalctl -u k3s-agent -n 20 --no-pager')).toContain(
      `Successfully registered node t3a1 with the cluster at ${url(s2)}`,
    );
    // a new agent joins through the new URL, installed by hand as K3s documents it. (The
    // cluster file now lists 2 servers, which every command refuses until a third is added.)
    await up([{ name: 't3a2', arch: 'amd64', firewall: 'none' }]);
    const m = mirror();
    const token = (await sh('t3s2', 'cat /var/lib/rancher/k3s/server/token')).trim();
    const joined = await exec('t3a2', [
      'sh',
      '-c',
      'curl -sfL "$1" | INSTALL_K3S_VERSION="$2" GITHUB_URL="$3" K3S_URL="$4" K3S_TOKEN="$5" K3S_NODE_NAME=t3a2 sh -s - agent',
      'join',
      m.installScriptUrl,
      m.versions[0] as string,
      m.githubUrl,
      url(s2),
      token,
    ]);
    expect(joined.code, `${joined.stdout}\n${joined.stderr}`).toBe(0);
    await expect
      .poll(async () => JSON.stringify(await readiness()), { timeout: 60_000, interval: 3_000 })
      .toBe(JSON.stringify({ t3a1: true, t3a2: true, t3s2: true, t3s3: true }));
  });
});
