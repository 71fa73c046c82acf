// Uninstall on lab hosts, and the join command of a real cluster: a cluster with firewalld
// configured is installed, its join line is shown masked, revealed and with a minted expiring
// token (never in the log); then `k3s-wizard uninstall` removes K3s from the agent and then the
// server, the firewall rules k3s-wizard added and the kubeconfig entry it merged; again: no change.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, type LabHost } from '../../e2e/lab/index';
import { labHosts } from '../../test-support/lab-setup';
import type { HostFacts } from '../../shared/facts';
import { REDACTED } from '../../shared/redact';
import { loadSpec, type ClusterSpec } from '../../shared/spec';
import { runCli } from '../cli/program';
import {
  asNodes,
  clusterFile,
  labFacts,
  labRun,
  readRemote,
  type ClusterFile,
} from '../../test-support/engine/lab';

const SPECS = [
  { name: 'u7s', firewall: 'firewalld' as const },
  { name: 'u7a', firewall: 'none' as const, sudo: 'password' as const },
];
let cluster: ClusterFile;
let facts: Record<string, HostFacts>;
let agent: LabHost;

function labSpec(): ClusterSpec {
  const loaded = loadSpec(readFileSync(cluster.file, 'utf8'));
  if (!loaded.spec) throw new Error('the cluster file does not load');
  return loaded.spec;
}
/** Every secret seen so far, which no bundle may contain. */
const secrets = new Set<string>();

/** The bundle's files, by path inside it. */
function unpack(path: string): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'k3sw-bundle-'));
  execFileSync('tar', ['-xzf', path, '-C', dir]);
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(relative(dir, full).split('/').slice(1).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

function checkBundle(path: string, withLog: boolean): void {
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(path).toContain(join('clusters', 'u7un', 'bundles'));
  const files = unpack(path);
  const names = [...files.keys()];
  for (const name of ['spec.yaml', 'facts.json', 'checks.json', 'plan.txt', ...(withLog ? ['run.log'] : [])])
    expect(names).toContain(name);
  for (const host of names.filter((n) => n.startsWith('hosts/')).length ? ['u7s', 'u7a'] : []) {
    for (const file of ['journal.txt', 'proc-cmdline.txt', 'firewall.txt', 'ip-addr.txt', 'os-release.txt'])
      expect(names).toContain(`hosts/${host}/${file}`);
  }
  expect(files.get('hosts/u7s/firewall.txt')).toContain('## firewall-cmd --list-all-zones');
  expect(files.get('hosts/u7s/journal.txt')).toMatch(/k3s/);
  expect(files.get('hosts/u7a/files/etc/rancher/k3s/config.yaml')).toContain(`token: ${REDACTED}`);
  expect(names).toContain('hosts/u7a/files/etc/systemd/system/k3s-agent.service.env');
  const all = [...files.values()].join('\n');
  const raw = execFileSync('sh', ['-c', 'gzip -dc "$1"', 'sh', path]).toString('latin1');
  for (const secret of secrets) {
    expect(all.includes(secret), `a secret in ${path}`).toBe(false);
    expect(raw.includes(secret), `a secret in ${path}`).toBe(false);
  }
  expect(all).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  expect(all).not.toMatch(/client-key-data:\s*[A-Za-z0-9+/=]{8,}/);
}

const { names } = labHosts({ beforeAll, afterAll }, SPECS, {
  setUp: async (up) => {
    agent = up[1]!;
    cluster = clusterFile('u7un', asNodes(up), { firewall: { policy: 'configure', clients: 'anywhere' } });
    facts = await labFacts(cluster);
  },
});

async function cli(args: string[]) {
  const out: string[] = [];
  const code = await runCli(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    env: cluster.env,
    untilInterrupted: () => new Promise(() => undefined),
  });
  return { code, output: out.join('') };
}

describe('join command and uninstall on lab hosts', () => {
  it('installs, then gives the join line masked, revealed, and with an expiring token', async () => {
    const { started, service, pool, logger } = await labRun(cluster, { facts });
    const snapshot = await started.done;
    expect(snapshot.status, JSON.stringify(Object.values(snapshot.steps).map((s) => s.error))).toBe(
      'succeeded',
    );
    const runId = started.run.runId;
    const token = await readRemote('u7s', '/var/lib/rancher/k3s/server/token');
    expect(token).toMatch(/^K10/);
    const masked = await service.joinCommand({ runId, reveal: false });
    expect(masked.command).toContain(`K3S_TOKEN=${REDACTED}`);
    expect(masked.command).toContain(`K3S_URL=https://${facts.u7s?.defaultAddress ?? ''}:6443`);
    expect(masked.command).not.toContain(token);
    const revealed = await service.joinCommand({ runId, reveal: true });
    expect(revealed.command).toContain(`K3S_TOKEN=${token} `);
    const minted = await service.joinCommand({ runId, ttl: '1h', reveal: true });
    const bootstrap = /K3S_TOKEN=K10[0-9a-f]+::([a-z0-9]{6}\.[a-z0-9]{16}) /.exec(minted.command)?.[1];
    expect(bootstrap, minted.command).toBeDefined();
    expect(minted.tokenSource).toContain('1h');
    secrets.add(token);
    secrets.add(token.split('::server:')[1] ?? token);
    secrets.add(bootstrap ?? token);
    secrets.add(agent.password);
    for (const host of names) secrets.add(await readRemote(host, '/etc/rancher/node/password'));
    for (const s of secrets) expect(s.length).toBeGreaterThan(8);
    // bundle:create for this run: its log is in it, redacted like everything else.
    checkBundle(
      await service.bundle({
        runId,
        spec: labSpec(),
        facts,
      }),
      true,
    );
    pool.closeAll();
    const logged = JSON.stringify(logger.tail(1000)) + readFileSync(started.logPath, 'utf8');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(bootstrap ?? '-');
    expect(await readRemote('u7s', '/var/lib/k3s-wizard/firewall.undo')).toContain(
      `--remove-rich-rule=rule family="ipv4" source address="${agent.address}"`,
    );
  });

  it('k3s-wizard bundle writes the same, with the newest run log', async () => {
    const r = await cli(['bundle', cluster.file]);
    expect(r.code, r.output).toBe(0);
    checkBundle(r.output.trim().split('\n').pop() ?? '', true);
  });

  it('k3s-wizard uninstall removes K3s, the firewall rules and the kubeconfig entry; again changes nothing', async () => {
    const kubeconfig = cluster.env.KUBECONFIG ?? '';
    expect(readFileSync(kubeconfig, 'utf8')).toContain('u7un');
    const undo = await exec('u7s', ['cat', '/var/lib/k3s-wizard/firewall.undo']);
    expect(undo.stdout).toContain(`--remove-rich-rule=rule family="ipv4" source address="${agent.address}"`);
    const first = await cli(['uninstall', cluster.file, '--yes', '--accept-new-host-keys', '--plain']);
    expect(first.code, first.output).toBe(0);
    const done = (host: string) => first.output.indexOf(`[${host}] ✓ Remove K3s`);
    expect(done('u7a')).toBeGreaterThan(0);
    expect(done('u7a')).toBeLessThan(first.output.indexOf('[u7s] ▶ Remove K3s'));
    expect(first.output).toContain('Cluster u7un was removed');
    for (const host of names) {
      const left = await exec(host, [
        'sh',
        '-c',
        'ls /usr/local/bin/k3s* /var/lib/k3s-wizard 2>/dev/null; true',
      ]);
      expect(left.stdout.trim(), host).toBe('');
    }
    for (const permanent of [[], ['--permanent']]) {
      const rich = await exec('u7s', ['firewall-cmd', ...permanent, '--zone=public', '--list-rich-rules']);
      expect(rich.stdout, first.output.slice(-3000)).not.toContain(agent.address);
      const trusted = await exec('u7s', ['firewall-cmd', ...permanent, '--zone=trusted', '--list-sources']);
      expect(trusted.stdout).not.toContain('10.42.0.0/16');
    }
    expect(existsSync(kubeconfig) ? readFileSync(kubeconfig, 'utf8') : '').not.toContain('u7un');
    const again = await cli(['uninstall', cluster.file, '--yes', '--plain']);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('Nothing changed: cluster u7un was already removed');
  });
});
