// Day two through the command line, on a cluster made by hand with the install script (over SSH,
// `curl … | sh -s -` as the K3s docs do it): `adopt` reads it into a cluster file (its token
// never written), `apply` of that file with an added armhf Pi joins the Pi and restarts none of
// the running nodes, `status --json` says what the real kubectl says, and a join token made by
// `token create` and revoked with `token revoke` can no longer join a machine (a second one,
// not revoked, can: the refusal is the revocation's).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { exec, fault, mirror, type LabHost } from '../../e2e/lab/index';
import { shQuote } from '../../shared/shell';
import { clusterFile, k3sWizard, type ClusterFile } from '../../test-support/engine/lab';
import { labHosts, labSshArgs } from '../../test-support/lab-setup';

const run = promisify(execFile);
const SPECS = [
  { name: 'adsrv', arch: 'amd64' as const, firewall: 'firewalld' as const },
  { name: 'ada1', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'adpi', arch: 'armhf' as const, pi: true, firewall: 'none' as const },
  { name: 'adnew', arch: 'amd64' as const, firewall: 'none' as const },
];
// The hand-made cluster's token, as a person would put it in config.yaml.
const TOKEN = 'hand-made-cluster-secret-7f3a91';
let hosts: Record<string, LabHost> = {};
let work: ClusterFile;

const ssh = (host: LabHost, command: string) =>
  run('ssh', labSshArgs(host, command), { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });

const cli = (args: string[]) => k3sWizard(work.env, args);

// The join command as a person runs it on a machine where they are not root: sudo before sh.
const asRoot = (line: string) => line.replace('| ', '| sudo env ');

const unitState = async (host: string, unit: string) =>
  (
    await exec(host, [
      'systemctl',
      'show',
      '-p',
      'InvocationID,ActiveEnterTimestampMonotonic',
      '--value',
      unit,
    ])
  ).stdout.trim();

const kubectlNodes = async () =>
  JSON.parse(
    (await run('kubectl', ['--context', 'adopted', 'get', 'nodes', '-o', 'json'], { env: work.env })).stdout,
  ) as {
    items: {
      metadata: { name: string; labels: Record<string, string> };
      status: {
        conditions: { type: string; status: string }[];
        nodeInfo: { kubeletVersion: string; architecture: string };
        addresses: { type: string; address: string }[];
      };
    }[];
  };

labHosts({ beforeAll, afterAll }, SPECS, {
  timeoutMs: 1_200_000,
  setUp: async (booted) => {
    hosts = Object.fromEntries(booted.map((h) => [h.name, h]));
    // a scratch folder with HOME, data dir and kubeconfig (its cluster file is replaced by adopt's)
    work = clusterFile('adopted', [{ host: hosts.adsrv!, role: 'server' }]);
    const m = mirror();
    const env = `INSTALL_K3S_VERSION=${m.versions[0]} GITHUB_URL=${m.githubUrl} INSTALL_K3S_CHANNEL_URL=${m.channelUrl}`;
    const srv = hosts.adsrv!;
    // by hand, as the K3s docs say: config.yaml, firewalld ports, then curl | sh; a K3s that did
    // not start is shown with its journal
    await ssh(
      srv,
      [
        'sudo mkdir -p /etc/rancher/k3s',
        `printf 'token: ${TOKEN}\\ntls-san:\\n  - adsrv.lan\\nnode-label:\\n  - site=lab\\n' | sudo tee /etc/rancher/k3s/config.yaml >/dev/null`,
        'sudo chmod 600 /etc/rancher/k3s/config.yaml',
        'sudo firewall-cmd --permanent --add-port=6443/tcp --add-port=10250/tcp --add-port=8472/udp >/dev/null',
        'sudo firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16 --add-source=10.43.0.0/16 >/dev/null',
        'sudo firewall-cmd --reload >/dev/null',
        `curl -sfL ${m.installScriptUrl} | sudo ${env} sh -s - server --write-kubeconfig-mode 644`,
      ].join(' && '),
    ).catch(async (error: Error) => {
      const journal = await exec('adsrv', ['journalctl', '-u', 'k3s', '-n', '40', '--no-pager']);
      throw new Error(`${error.message}\n--- journal of k3s on adsrv:\n${journal.stdout}`);
    });
    await ssh(
      hosts.ada1!,
      `curl -sfL ${m.installScriptUrl} | sudo ${env} K3S_URL=https://${srv.address}:6443 K3S_TOKEN=${TOKEN} sh -s - agent`,
    );
    // the agent is listed Ready before anything is adopted
    for (let i = 0; i < 60; i++) {
      const r = await exec('adsrv', ['k3s', 'kubectl', 'get', 'nodes']);
      if (/ada1\s+Ready/.test(r.stdout)) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
  },
});

describe('a cluster made by hand, adopted', () => {
  it('says clearly what to do when the address is not a usable server', async () => {
    const key = ['-i', hosts.adsrv!.keyPath, '--accept-new-host-keys'];
    const agent = await cli(['adopt', `lab@${hosts.ada1!.address}`, ...key]);
    expect(agent.code).toBe(2); // the address given is the wrong one: a usage error
    expect(agent.stderr).toContain('runs a K3s agent, not a server');
    const none = await cli(['adopt', `lab@${hosts.adpi!.address}`, ...key]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/There is no K3s on .*give the address of the cluster's first server/);
    const closed = await cli(['adopt', `lab@${hosts.adsrv!.address}:2`, ...key]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/error: .*(refused|reach)/i);
    expect(closed.stdout).toBe('');
    // a node that cannot be logged in to is left out of the file, with what to add
    await fault.killSshd('ada1');
    try {
      const partial = await cli(['adopt', `lab@${hosts.adsrv!.address}`, ...key, '--name', 'adopted']);
      expect(partial.code, partial.stderr).toBe(0);
      expect(
        (parse(partial.stdout) as { nodes: { nodeName: string }[] }).nodes.map((n) => n.nodeName),
      ).toEqual(['adsrv']);
      expect(partial.stdout).toMatch(
        /^# +ada1: add a login that works: lab@\S+ failed .*--address ada1=HOST/m,
      );
      expect(partial.stderr).toContain('not in the file: ada1');
    } finally {
      await fault.startSshd('ada1');
    }
  });

  it('reads it into a cluster file that holds no secret', async () => {
    const srv = hosts.adsrv!;
    const r = await cli([
      'adopt',
      `lab@${srv.address}`,
      '-i',
      srv.keyPath,
      '--accept-new-host-keys',
      '--name',
      'adopted',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const spec = parse(r.stdout) as {
      k3s: { version: string };
      networking: { tlsSans: string[] };
      nodes: {
        nodeName: string;
        role: string;
        address: string;
        adopted: boolean;
        arch: string;
        labels?: object;
      }[];
    };
    expect(spec.k3s.version).toBe(mirror().versions[0]);
    expect(spec.networking.tlsSans).toEqual(['adsrv.lan']);
    expect(spec.nodes.map((n) => [n.nodeName, n.role, n.address, n.adopted, n.arch])).toEqual([
      ['adsrv', 'server', srv.address, true, 'amd64'],
      ['ada1', 'agent', hosts.ada1!.address, true, 'amd64'],
    ]);
    expect(spec.nodes[0]?.labels).toEqual({ site: 'lab' });
    // a flag given to the install script is named, not dropped silently
    expect(r.stderr).toContain('also runs with --write-kubeconfig-mode on its command line');
    // the token: not in the file, not on the terminal, not in the logs
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const data = work.env.K3S_WIZARD_DATA_DIR!;
    for (const f of readdirSync(data, { recursive: true, withFileTypes: true }))
      if (f.isFile()) expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(TOKEN);

    // the user points the file at the lab's release mirror and adds the Pi
    const m = mirror();
    const doc = parse(r.stdout) as Record<string, unknown> & { nodes: unknown[] };
    doc.install = {
      source: 'online',
      scriptUrl: m.installScriptUrl,
      githubUrl: m.githubUrl,
      channelUrl: m.channelUrl,
    };
    doc.nodes.push({
      address: hosts.adpi!.address,
      user: 'lab',
      auth: { method: 'key', keyPath: hosts.adpi!.keyPath },
      role: 'agent',
      nodeName: 'adpi',
    });
    writeFileSync(work.file, stringify(doc));
  });

  it('gains an armhf Pi through apply, restarting none of the running nodes', async () => {
    const before = {
      srv: await unitState('adsrv', 'k3s'),
      a1: await unitState('ada1', 'k3s-agent'),
      config: (await exec('adsrv', ['sha256sum', '/etc/rancher/k3s/config.yaml'])).stdout,
    };
    const r = await cli(['apply', work.file, '--yes', '--accept-new-host-keys', '--plain']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('Cluster adopted is ready');
    expect(r.stdout).toMatch(/\[adsrv\] ✓ Keep K3s server.*: already done/);
    expect(r.stdout).toMatch(/\[ada1\] ✓ Keep K3s agent.*: already done/);
    // same systemd invocation and start time: not restarted; settings untouched
    expect(await unitState('adsrv', 'k3s')).toBe(before.srv);
    expect(await unitState('ada1', 'k3s-agent')).toBe(before.a1);
    expect((await exec('adsrv', ['sha256sum', '/etc/rancher/k3s/config.yaml'])).stdout).toBe(before.config);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('status --json says what the real kubectl says, and tests the flows', async () => {
    const r = await cli(['status', work.file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as {
      version: string;
      nodes: {
        name: string;
        ready: boolean;
        roles: string[];
        version: string;
        arch: string;
        internalIp: string;
        inFile: boolean;
      }[];
      notJoined: string[];
      flows: { status: string }[];
    };
    const real = await kubectlNodes();
    const fromKubectl = real.items
      .map((n) => ({
        name: n.metadata.name,
        ready: n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
        roles: Object.keys(n.metadata.labels)
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.slice('node-role.kubernetes.io/'.length))
          .sort(),
        version: n.status.nodeInfo.kubeletVersion,
        arch: n.status.nodeInfo.architecture,
        internalIp: n.status.addresses.find((a) => a.type === 'InternalIP')?.address,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const ours = status.nodes
      .map(({ inFile: _inFile, ...n }) => n)
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(ours).toEqual(fromKubectl);
    expect(ours.map((n) => `${n.name} ${n.arch} ${n.ready}`)).toEqual([
      'ada1 amd64 true',
      'adpi arm true',
      'adsrv amd64 true',
    ]);
    expect(status.notJoined).toEqual([]);
    expect(status.flows.length).toBeGreaterThan(0);
    expect(status.flows.filter((f) => f.status !== 'open')).toEqual([]);

    const text = await cli(['status', work.file, '--no-flows']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Cluster adopted: K3s v\S+ on adsrv; 3 of 3 nodes Ready/);
    expect(text.stdout).toMatch(/adpi\s+Ready\s+<none>\s+v\S+\s+arm\s+/);
  });

  it('a revoked join token can no longer join; one not revoked can', async () => {
    const revoked = await cli(['token', 'create', work.file, '--ttl', '1h', '--node-name', 'adnew']);
    expect(revoked.code, revoked.stderr).toBe(0);
    const kept = await cli(['token', 'create', work.file, '--ttl', '1h', '--node-name', 'adnew']);
    expect(kept.code, kept.stderr).toBe(0);
    const idOf = (stderr: string) => /Join token ([a-z0-9]{6})/.exec(stderr)?.[1] ?? '';
    const [gone, good] = [idOf(revoked.stderr), idOf(kept.stderr)];
    expect(gone).toMatch(/^[a-z0-9]{6}$/);

    const listed = await cli(['token', 'list', work.file, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const tokens = JSON.parse(listed.stdout) as { id: string; description: string; expires: string | null }[];
    expect(tokens.map((t) => t.id).sort()).toEqual([gone, good].sort());
    for (const t of tokens) {
      expect(t.description).toBe('k3s-wizard join adnew');
      const left = Date.parse(t.expires ?? '') - Date.now();
      expect(left).toBeGreaterThan(50 * 60_000);
      expect(left).toBeLessThanOrEqual(3600_000);
    }

    const r = await cli(['token', 'revoke', work.file, gone]);
    expect(r.code, r.stderr).toBe(0);
    const after = JSON.parse((await cli(['token', 'list', work.file, '--json'])).stdout) as { id: string }[];
    expect(after.map((t) => t.id)).toEqual([good]);
    const again = await cli(['token', 'revoke', work.file, gone]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`has no join token ${gone}`);

    // the join command of the revoked token, run on a new machine as printed: refused
    const line = revoked.stdout.trim();
    expect(line).toContain('K3S_TOKEN=');
    // (in the background: the install script waits for a unit that cannot start without joining)
    await ssh(hosts.adnew!, `nohup sh -c ${shQuote(asRoot(line))} >/dev/null 2>&1 &`);
    let journal = '';
    for (let i = 0; i < 60 && !/token is not valid.*401 Unauthorized/.test(journal); i++) {
      await new Promise((r) => setTimeout(r, 2000));
      journal = (await exec('adnew', ['journalctl', '-u', 'k3s-agent', '--no-pager'])).stdout;
    }
    expect(journal).toMatch(/token is not valid.*401 Unauthorized/);
    expect((await kubectlNodes()).items.map((n) => n.metadata.name)).not.toContain('adnew');

    // the same machine with the token not revoked joins
    await ssh(hosts.adnew!, asRoot(kept.stdout.trim()));
    let joined = false;
    for (let i = 0; i < 60 && !joined; i++) {
      joined = (await kubectlNodes()).items.some(
        (n) =>
          n.metadata.name === 'adnew' &&
          n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (!joined) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(joined).toBe(true);
  });

  it('says what rotating the cluster token would change, and without --yes off a terminal changes nothing', async () => {
    const token = async () =>
      (await exec('adsrv', ['sha256sum', '/var/lib/rancher/k3s/server/token'])).stdout;
    const before = await token();
    const r = await cli(['token', 'rotate', work.file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('every server (adsrv) is restarted with the new token');
    expect(r.stdout).toContain('every agent that joined with the old token (ada1, adpi)');
    expect(r.stderr).toContain('Add --yes to change the machines without being asked.');
    expect(await token()).toBe(before);
  });
});
