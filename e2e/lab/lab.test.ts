// The lab's own tests: real hosts (namespaces + systemd-nspawn), real SSH, sudo and
// firewalls, and the K3s stand-in forming a cluster over the lab network. Root only.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, fault, mirror, up, type LabHost, type LabHostSpec } from './index';
import { LAB_SSH_OPTS } from '../../test-support/lab-setup';

const SPECS: LabHostSpec[] = [
  { name: 'ltfw', firewall: 'firewalld' },
  { name: 'ltufw', firewall: 'ufw', sudo: 'password', auth: 'key' },
  { name: 'ltpwd', firewall: 'none', auth: 'password' },
  { name: 'ltsrv', firewall: 'firewalld' },
  { name: 'ltarm', arch: 'armhf', firewall: 'ufw' },
  { name: 'ltag', firewall: 'none' },
  { name: 'ltair', firewall: 'none' },
  { name: 'ltpi', arch: 'arm64', pi: true, sudo: 'password', firewall: 'none' },
];
const H: Record<string, LabHost> = {};
const host = (n: string): LabHost => {
  const h = H[n];
  if (!h) throw new Error(`no host ${n}`);
  return h;
};

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}
function run(cmd: string, args: string[], stdin = '', timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const c = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      resolve({ stdout: String(stdout), stderr: String(stderr), code: err ? Number(err.code ?? 1) || 1 : 0 }),
    );
    c.stdin?.on('error', () => undefined); // the command may exit before reading its input
    c.stdin?.end(stdin);
  });
}
const SSH_OPTS = LAB_SSH_OPTS;
/** ssh as the lab user, the way the product connects: by key, or by password (sshpass). */
function ssh(h: LabHost, command: string, o: { password?: boolean; stdin?: string; key?: string } = {}) {
  const base = [...SSH_OPTS, '-o', 'ConnectTimeout=5', `${h.user}@${h.address}`, command];
  if (o.password)
    return run(
      'sshpass',
      ['-p', h.password, 'ssh', ...SSH_OPTS, '-o', 'PubkeyAuthentication=no', ...base.slice(SSH_OPTS.length)],
      o.stdin,
    );
  return run(
    'ssh',
    ['-i', o.key ?? h.keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', ...base],
    o.stdin,
  );
}
async function root(n: string, script: string, timeoutMs = 120_000): Promise<Run> {
  return exec(n, ['sh', '-c', script], { timeoutMs });
}
async function until<T>(
  what: string,
  f: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
/** A TCP connect from the test machine: 'open' | 'closed' (refused/unreachable) | 'timeout'. */
async function probe(address: string, port: number): Promise<string> {
  const r = await run('bash', [
    '-c',
    `timeout 3 bash -c 'exec 3<>/dev/tcp/${address}/${port}' 2>&1; echo rc=$?`,
  ]);
  return r.stdout.includes('rc=0') ? 'open' : r.stdout.includes('rc=124') ? 'timeout' : 'closed';
}

beforeAll(async () => {
  await ensureMirror();
  for (const h of await up(SPECS)) H[h.name] = h;
}, 900_000);
afterAll(async () => {
  await down(SPECS.map((s) => s.name));
});

describe('hosts', () => {
  it('are isolated: own hostname, machine-id, files; they reach each other', async () => {
    const a = await root(
      'ltfw',
      'mkdir -p /etc/rancher/k3s && echo only-here > /etc/rancher/k3s/x; hostname; cat /etc/machine-id',
    );
    const b = await root('ltag', 'cat /etc/rancher/k3s/x 2>&1; hostname; cat /etc/machine-id');
    expect(a.stdout.split('\n')[0]).toBe('ltfw');
    expect(b.stdout).toContain('No such file');
    expect(b.stdout).toContain('ltag');
    expect(a.stdout.split('\n')[1]).not.toBe(b.stdout.trim().split('\n').pop());
    const ping = await root(
      'ltag',
      `ping -c1 -W2 ${host('ltfw').address} >/dev/null && ping -c1 -W2 ltfw >/dev/null && echo ok`,
    );
    expect(ping.stdout.trim()).toBe('ok');
  });

  it('firewalld filters until the port is opened', async () => {
    const h = host('ltfw');
    await root('ltfw', 'systemd-run --unit=web7777 python3 -m http.server 7777');
    await until('listener', async () =>
      (await root('ltfw', 'ss -tln | grep -q :7777 && echo y')).stdout.includes('y'),
    );
    expect(await probe(h.address, 7777)).toBe('closed'); // firewalld rejects (icmp-host-prohibited)
    const open = await ssh(h, 'sudo -n firewall-cmd --add-port=7777/tcp');
    expect(open.stdout.trim()).toBe('success');
    expect(await probe(h.address, 7777)).toBe('open');
  });

  it('ufw filters until the port is allowed', async () => {
    const h = host('ltufw');
    await root('ltufw', 'systemd-run --unit=web7778 python3 -m http.server 7778');
    await until('listener', async () =>
      (await root('ltufw', 'ss -tln | grep -q :7778 && echo y')).stdout.includes('y'),
    );
    expect(await probe(h.address, 7778)).not.toBe('open');
    await root('ltufw', 'ufw allow 7778/tcp');
    expect(await probe(h.address, 7778)).toBe('open');
  });

  it('enforces the sudo password where the profile says so', async () => {
    const h = host('ltufw');
    const n = await ssh(h, 'sudo -n true');
    expect(n.code).not.toBe(0);
    expect(n.stderr).toContain('a password is required');
    const bad = await ssh(h, "sudo -S -p '' id -u", { stdin: 'wrong\n' });
    expect(bad.code).not.toBe(0);
    const good = await ssh(h, "sudo -S -p '' id -u", { stdin: `${h.password}\n` });
    expect(good.stdout.trim()).toBe('0');
    expect((await ssh(host('ltfw'), 'sudo -n id -u')).stdout.trim()).toBe('0');
  });

  it('honours the auth profiles (key only, password only, passphrase key)', async () => {
    const k = host('ltufw');
    expect((await ssh(k, 'echo in')).stdout.trim()).toBe('in');
    expect((await ssh(k, 'echo in', { password: true })).code).not.toBe(0);
    const p = host('ltpwd');
    expect((await ssh(p, 'echo in')).code).not.toBe(0);
    expect((await ssh(p, 'echo in', { password: true })).stdout.trim()).toBe('in');
    const f = host('ltfw');
    const pass = await run('sshpass', [
      '-P',
      'passphrase',
      '-p',
      f.passphrase,
      'ssh',
      '-i',
      f.passphraseKeyPath,
      ...SSH_OPTS,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'PasswordAuthentication=no',
      `${f.user}@${f.address}`,
      'echo in',
    ]);
    expect(pass.stdout.trim()).toBe('in');
  });

  it('faults: block a port, cut the network, kill sshd', async () => {
    const h = host('ltag');
    await fault.blockPort('ltag', 22);
    expect(await probe(h.address, 22)).toBe('closed');
    expect((await root('ltag', 'nft list ruleset; iptables -S')).stdout).not.toContain('22');
    await fault.unblockPort('ltag', 22);
    expect(await probe(h.address, 22)).toBe('open');
    await fault.cutNetwork('ltag', 3);
    expect(await probe(h.address, 22)).toBe('timeout');
    await until('network back', async () => (await probe(h.address, 22)) === 'open', 15_000);
    await fault.killSshd('ltag');
    expect(await probe(h.address, 22)).toBe('closed');
    await fault.startSshd('ltag');
    expect((await ssh(h, 'echo back')).stdout.trim()).toBe('back');
  });
});

describe('architectures', () => {
  it('run real foreign userlands', async () => {
    const arm = await root('ltarm', 'uname -m; dpkg --print-architecture; getconf LONG_BIT');
    expect(arm.stdout.split('\n').slice(0, 3)).toEqual(['armv7l', 'armhf', '32']);
    const a64 = await ssh(host('ltpi'), 'uname -m; dpkg --print-architecture');
    expect(a64.stdout.split('\n').slice(0, 2)).toEqual(['aarch64', 'arm64']);
  });

  it('a k3s binary of the wrong arch does not run', async () => {
    const { githubUrl, versions } = mirror();
    const r = await root(
      'ltag',
      `curl -sfo /tmp/k3s-arm64 ${githubUrl}/download/${versions[0]}/k3s-arm64 && chmod +x /tmp/k3s-arm64 && /tmp/k3s-arm64 --version`,
    );
    expect(r.code).toBe(126);
    expect(r.stderr).toContain('cannot execute binary file: Exec format error');
  });
});

describe('K3s stand-in cluster', () => {
  const m = mirror();
  const online = (env: string, args = '') =>
    `curl -sfL ${m.installScriptUrl} | sudo -n env INSTALL_K3S_CHANNEL_URL=${m.channelUrl} GITHUB_URL=${m.githubUrl} ${env} sh -s - ${args}`;
  let token = '';
  const nodes = async (): Promise<
    { name: string; ready: string; arch: string; ip: string; roles: string[] }[]
  > => {
    const r = await root('ltsrv', 'k3s kubectl get nodes -o json');
    const doc = JSON.parse(r.stdout) as {
      items: {
        metadata: { name: string; labels: Record<string, string> };
        status: {
          conditions: { type: string; status: string }[];
          addresses: { type: string; address: string }[];
          nodeInfo: { architecture: string };
        };
      }[];
    };
    return doc.items.map((i) => ({
      name: i.metadata.name,
      ready: i.status.conditions.find((c) => c.type === 'Ready')?.status ?? '',
      arch: i.status.nodeInfo.architecture,
      ip: i.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? '',
      roles: Object.keys(i.metadata.labels).filter((l) => l.startsWith('node-role.kubernetes.io/')),
    }));
  };

  it('installs a server through the online path (script and binary from the mirror)', async () => {
    const s = host('ltsrv');
    // short heartbeat grace so the NotReady test is quick; K3S_* go to the env file like any K3S_ var
    const r = await ssh(
      s,
      online('K3S_LAB_NODE_GRACE=8 K3S_LAB_HEARTBEAT=2', `server --tls-san ${s.address} --disable traefik`),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Using v1.33.5+k3s1 as release');
    const files = await root(
      'ltsrv',
      'stat -c "%a %n" /etc/rancher/k3s/k3s.yaml /var/lib/rancher/k3s/server/token /etc/systemd/system/k3s.service.env; readlink /var/lib/rancher/k3s/server/node-token; cat /var/lib/rancher/k3s/server/token; grep -c "^Type=notify" /etc/systemd/system/k3s.service; k3s --version',
    );
    expect(files.stdout).toContain('600 /etc/rancher/k3s/k3s.yaml');
    expect(files.stdout).toContain('600 /var/lib/rancher/k3s/server/token');
    expect(files.stdout).toContain('/var/lib/rancher/k3s/server/token\n');
    expect(files.stdout).toMatch(/^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/m);
    expect(files.stdout).toMatch(/k3s version v1\.33\.5\+k3s1 \([0-9a-f]{8}\)\ngo version go1\.24/);
    token = /^K10\S+$/m.exec(files.stdout)?.[0] ?? '';
    await root('ltsrv', 'firewall-cmd --permanent --add-port=6443/tcp && firewall-cmd --reload');
  });

  it('agents join over the network (amd64 and armhf) and are Ready', async () => {
    const [a, b] = await Promise.all([
      ssh(
        host('ltag'),
        online(`K3S_URL=https://${host('ltsrv').address}:6443 K3S_TOKEN=${token} K3S_LAB_HEARTBEAT=2`),
      ),
      ssh(
        host('ltarm'),
        online(`K3S_URL=https://${host('ltsrv').address}:6443 K3S_TOKEN=${token} K3S_LAB_HEARTBEAT=2`),
      ),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ns = await until('3 Ready nodes', async () => {
      const n = await nodes();
      return n.length === 3 && n.every((x) => x.ready === 'True') && n;
    });
    expect(ns.find((n) => n.name === 'ltarm')?.arch).toBe('arm');
    expect(ns.find((n) => n.name === 'ltag')?.ip).toBe(host('ltag').address);
    expect(ns.find((n) => n.name === 'ltsrv')?.roles).toContain('node-role.kubernetes.io/control-plane');
    expect((await root('ltarm', 'readlink /usr/local/bin/kubectl; ls /usr/local/bin')).stdout).toContain(
      'k3s-agent-uninstall.sh',
    );
  });

  it('kubectl answers the way scripts use it: --raw, jsonpath, rollout status', async () => {
    const r = await root(
      'ltsrv',
      [
        'k3s kubectl get --raw /readyz; echo',
        `k3s kubectl get node ltag -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'; echo`,
        'k3s kubectl -n kube-system rollout status deployment/coredns --timeout=10s',
        'k3s kubectl get deployment/nope -n default 2>&1 || echo "rc=$?"',
      ].join('; '),
    );
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      'ok',
      'True',
      'deployment "coredns" successfully rolled out',
    ]);
    expect(r.stdout).toMatch(/resource type "deployment\/nope"[\s\S]*rc=1/);
    // One line per node, as kubectl's JSONPath range prints it (the verify step reads this).
    const lines = await root(
      'ltsrv',
      `k3s kubectl get nodes -o 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.status.conditions[?(@.type=="Ready")].status}{"|"}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}'`,
    );
    expect(lines.stdout.split('\n')).toContain(`ltag|True|${host('ltag').address}`);
    expect(lines.stdout.endsWith('\n')).toBe(true);
  });

  it("the kubeconfig's client certificate works over HTTPS against the server's address", async () => {
    const s = host('ltsrv');
    const kc = (await root('ltsrv', 'cat /etc/rancher/k3s/k3s.yaml')).stdout;
    expect(kc).toContain('server: https://127.0.0.1:6443');
    const field = (k: string) =>
      Buffer.from(new RegExp(`${k}: (\\S+)`).exec(kc)?.[1] ?? '', 'base64').toString();
    const get = (path: string, withCert: boolean) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: s.address,
            port: 6443,
            path,
            ca: field('certificate-authority-data'),
            servername: s.address,
            ...(withCert ? { cert: field('client-certificate-data'), key: field('client-key-data') } : {}),
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const ok = await get('/api/v1/nodes', true);
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { kind: string }).kind).toBe('NodeList');
    expect((await get('/api/v1/nodes', false)).status).toBe(401);
  });

  it('the real kubectl on this computer lists the nodes with the kubeconfig, as a user checks a cluster', async () => {
    const s = host('ltsrv');
    const kc = (await root('ltsrv', 'cat /etc/rancher/k3s/k3s.yaml')).stdout.replace(
      'server: https://127.0.0.1:6443',
      `server: https://${s.address}:6443`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-kubectl-'));
    const file = join(dir, 'config');
    writeFileSync(file, kc, { mode: 0o600 });
    // its own cache folder: discovery is really asked for every time
    const kubectl = (...args: string[]) =>
      run('kubectl', ['--kubeconfig', file, '--cache-dir', join(dir, 'cache'), ...args]);
    const table = await kubectl('get', 'nodes');
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(lines.find((l) => l.startsWith('ltsrv '))).toMatch(
      /^ltsrv\s+Ready\s+control-plane,master\s+\S+\s+v1\.\d+/,
    );
    const one = await kubectl('get', 'node', 'ltsrv', '-o', 'jsonpath={.status.nodeInfo.architecture}');
    expect(one).toMatchObject({ code: 0, stdout: 'amd64' });
    const missing = await kubectl('get', 'node', 'no-such-node');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('nodes "no-such-node" not found');
  });

  it('a join fails while the API port is blocked, then succeeds', async () => {
    const srv = host('ltsrv');
    await fault.blockPort('ltsrv', 6443);
    try {
      const r = await ssh(
        host('ltair'),
        online(`K3S_URL=https://${srv.address}:6443 K3S_TOKEN=${token} INSTALL_K3S_SKIP_START=true`),
      );
      expect(r.code, r.stderr).toBe(0);
      await root('ltair', 'systemctl start --no-block k3s-agent');
      const log = await until('journal error', async () => {
        const j = (await root('ltair', 'journalctl -u k3s-agent --no-pager')).stdout;
        return j.includes('failed to get CA certs') && j;
      });
      expect(log).toContain('connect: connection refused');
      expect((await root('ltair', 'systemctl is-active k3s-agent')).stdout.trim()).toBe('activating');
    } finally {
      await fault.unblockPort('ltsrv', 6443);
    }
    await until(
      'ltair active',
      async () => (await root('ltair', 'systemctl is-active k3s-agent')).stdout.trim() === 'active',
    );
    await root('ltair', '/usr/local/bin/k3s-agent-uninstall.sh >/dev/null 2>&1');
    expect((await root('ltair', 'ls /usr/local/bin /etc/systemd/system')).stdout).not.toMatch(/k3s/);
    await root('ltsrv', 'k3s kubectl delete node ltair');
  });

  it('a join fails for a wrong token and for a token of another cluster', async () => {
    const srv = host('ltsrv');
    const wrongPw = token.replace(/::server:.*/, '::server:0123456789abcdef0123456789abcdef');
    await ssh(
      host('ltair'),
      online(`K3S_URL=https://${srv.address}:6443 K3S_TOKEN=${wrongPw} INSTALL_K3S_SKIP_START=true`),
    );
    await root('ltair', 'systemctl start --no-block k3s-agent');
    await until('401 in journal', async () =>
      (await root('ltair', 'journalctl -u k3s-agent --no-pager')).stdout.includes('token is not valid'),
    );
    const otherCa = `K10${'ab'.repeat(32)}::server:${token.split('::server:')[1]}`;
    await root(
      'ltair',
      `systemctl stop k3s-agent; sed -i "s|^K3S_TOKEN=.*|K3S_TOKEN='${otherCa}'|" /etc/systemd/system/k3s-agent.service.env; systemctl start --no-block k3s-agent`,
    );
    await until('CA hash mismatch', async () =>
      (await root('ltair', 'journalctl -u k3s-agent --no-pager')).stdout.includes(
        'token CA hash does not match the Cluster CA certificate hash',
      ),
    );
    expect((await nodes()).map((n) => n.name)).not.toContain('ltair');
    await root('ltair', '/usr/local/bin/k3s-agent-uninstall.sh >/dev/null 2>&1');
  });

  it('the air-gap path: uploaded files, INSTALL_K3S_SKIP_DOWNLOAD, a token from `k3s token create`', async () => {
    const srv = host('ltsrv');
    const air = host('ltair');
    const join = (await root('ltsrv', 'k3s token create --ttl 2h')).stdout.trim();
    expect(join).toMatch(/^K10[0-9a-f]{64}::[0-9a-f]{6}\.[0-9a-f]{16}$/);
    const accessLog = `${m.airgapDir}/../mirror-access.log`;
    const before = readFileSync(accessLog, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(air.address)).length;
    for (const f of ['k3s', 'install.sh', 'k3s-airgap-images-amd64.tar.zst']) {
      const up1 = await run('scp', [
        '-i',
        air.keyPath,
        ...SSH_OPTS,
        `${m.airgapDir}/${f}`,
        `${air.user}@${air.address}:/tmp/${f}`,
      ]);
      expect(up1.code, up1.stderr).toBe(0);
    }
    const r = await ssh(
      air,
      [
        'sudo -n install -m 755 /tmp/k3s /usr/local/bin/k3s',
        'sudo -n mkdir -p /var/lib/rancher/k3s/agent/images',
        'sudo -n cp /tmp/k3s-airgap-images-amd64.tar.zst /var/lib/rancher/k3s/agent/images/',
        `sudo -n env INSTALL_K3S_SKIP_DOWNLOAD=true K3S_URL=https://${srv.address}:6443 K3S_TOKEN=${join} sh /tmp/install.sh`,
      ].join(' && '),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Skipping k3s download and verify');
    await until('ltair Ready', async () =>
      (await nodes()).find((n) => n.name === 'ltair' && n.ready === 'True'),
    );
    const after = readFileSync(accessLog, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(air.address)).length;
    expect(after).toBe(before);
  });

  it('a node whose agent stops goes NotReady', async () => {
    await root('ltag', 'systemctl stop k3s-agent');
    await until(
      'ltag NotReady',
      async () => (await nodes()).find((n) => n.name === 'ltag' && n.ready !== 'True'),
      30_000,
    );
    const table = (await root('ltsrv', 'k3s kubectl get nodes')).stdout;
    expect(table).toMatch(/ltag\s+NotReady/);
    await root('ltag', 'systemctl start k3s-agent');
    await until('ltag Ready', async () =>
      (await nodes()).find((n) => n.name === 'ltag' && n.ready === 'True'),
    );
  });
});

describe('Raspberry Pi profile', () => {
  it('looks like a Pi without the memory cgroup, and k3s fails as the real one', async () => {
    const pi = host('ltpi');
    const r = await ssh(
      pi,
      'cat /sys/firmware/devicetree/base/model; echo; grep ^Model /proc/cpuinfo; cat /boot/firmware/cmdline.txt; cat /sys/fs/cgroup/cgroup.controllers',
    );
    expect(r.stdout).toContain('Raspberry Pi 4 Model B');
    expect(r.stdout).toMatch(/^Model\s+: Raspberry Pi/m);
    expect(r.stdout).not.toContain('cgroup_enable=memory');
    expect(r.stdout.trim().split('\n').pop()).not.toMatch(/\bmemory\b/);
    expect((await root('ltag', 'test -e /boot/firmware/cmdline.txt || echo none')).stdout.trim()).toBe(
      'none',
    );
    const m = mirror();
    const inst = await ssh(
      pi,
      `curl -sfL ${m.installScriptUrl} -o /tmp/install.sh && sudo -S -p '' env INSTALL_K3S_CHANNEL_URL=${m.channelUrl} GITHUB_URL=${m.githubUrl} INSTALL_K3S_SKIP_START=true sh /tmp/install.sh`,
      { stdin: `${pi.password}\n` },
    );
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stdout).toContain('Failed to find memory cgroup');
    const start = await root('ltpi', 'systemctl start k3s; echo rc=$?; journalctl -u k3s --no-pager');
    expect(start.stdout).toContain('rc=1');
    expect(start.stdout).toContain('level=fatal msg="Error: failed to find memory cgroup (v2)"');
  });

  it('after the cmdline flags and a reboot, SSH comes back, changes are kept, memory is there, k3s runs', async () => {
    const pi = host('ltpi');
    const edit = await ssh(
      pi,
      "sudo -S -p '' sed -i.bak '1s/$/ cgroup_memory=1 cgroup_enable=memory/' /boot/firmware/cmdline.txt && echo kept | sudo -S -p '' tee /root/marker >/dev/null",
      { stdin: `${pi.password}\n${pi.password}\n` },
    );
    expect(edit.code, edit.stderr).toBe(0);
    // the kernel's boot_id is the test machine's: the start time of the host's PID 1 tells a reboot
    const initStart = "awk '{print $22}' /proc/1/stat";
    const bootId = (await root('ltpi', initStart)).stdout;
    await ssh(pi, "sudo -S -p '' systemctl reboot", { stdin: `${pi.password}\n` });
    await until(
      'ssh back after reboot',
      async () => {
        const r = await ssh(pi, initStart);
        return r.code === 0 && r.stdout !== bootId;
      },
      120_000,
    );
    const after = await root('ltpi', 'cat /root/marker /sys/fs/cgroup/cgroup.controllers; ls /boot/firmware');
    expect(after.stdout).toContain('kept');
    expect(after.stdout).toMatch(/\bmemory\b/);
    expect(after.stdout).toContain('cmdline.txt.bak');
    await until(
      'k3s active after boot',
      async () => (await root('ltpi', 'systemctl is-active k3s')).stdout.trim() === 'active',
      90_000,
    );
  });
});
