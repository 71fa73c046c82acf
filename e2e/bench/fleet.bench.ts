/**
 * A classroom fleet from one command (`k3s-wizard fleet`, in process): BENCH_CLUSTERS clusters of
 * BENCH_SIZE machines (default 3 x 3; amd64 lab hosts, no firewall). First the hosts' own need:
 * the install script run on one cluster's hosts directly, then on every cluster's at once (hosts
 * reset after). Then through the app: one cluster alone
 * (`--only`), which is then uninstalled; then every cluster at once. Prints the wall time of
 * each, every cluster's own time, the ratio of the fleet to one cluster alone, and the back
 * end's peak memory (RSS, sampled every 200 ms). BENCH_CONCURRENCY: the fleet-wide limit
 * (default: every machine). Root only (the lab). Prints figures; asserts nothing.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as lab from '../lab';
import { runCli } from '../../electron/cli/program';
import { hostsAlone } from './hosts-alone';

const clusters = Number(process.env.BENCH_CLUSTERS ?? 3);
const size = Number(process.env.BENCH_SIZE ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? Math.min(64, clusters * size));
const specs = Array.from({ length: clusters * size }, (_, i) => ({
  name: `fb${i + 1}`,
  firewall: 'none' as const,
}));
const names = specs.map((s) => s.name);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Fresh hosts, booted to the end. */
async function reset(): Promise<lab.LabHost[]> {
  await lab.down(names);
  const upAt = Date.now();
  const hosts = await lab.up(specs);
  await Promise.all(
    names.map((n) => lab.exec(n, ['systemctl', 'is-system-running', '--wait'], { timeoutMs: 300_000 })),
  );
  console.log(`${hosts.length} lab hosts up in ${secs(Date.now() - upAt)}`);
  return hosts;
}

/** The hosts' own need: every cluster's install script run on its hosts directly, all clusters at once. */
async function alone(hosts: lab.LabHost[]): Promise<{ one: number; all: number }> {
  const groups = Array.from({ length: clusters }, (_, g) => hosts.slice(g * size, (g + 1) * size));
  const one = await hostsAlone(groups[0] as lab.LabHost[]);
  console.log(`the hosts alone, one cluster: ${secs(one.wall)}`);
  const fresh = await reset();
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: clusters }, (_, g) => hostsAlone(fresh.slice(g * size, (g + 1) * size))),
  );
  const all = Date.now() - t0;
  console.log(
    `the hosts alone, ${clusters} clusters at once: ${secs(all)} (${(all / one.wall).toFixed(2)} x one)`,
  );
  return { one: one.wall, all };
}

async function main(): Promise<void> {
  await lab.ensureMirror();
  try {
    const need = await alone(await reset());
    await measure(await reset(), need);
  } finally {
    await lab.down(names);
  }
}

async function measure(hosts: lab.LabHost[], need: { one: number; all: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
  const env = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    K3S_WIZARD_DATA_DIR: join(dir, 'data'),
    KUBECONFIG: join(dir, 'home', '.kube', 'config'),
  };
  const roster = join(dir, 'roster.csv');
  writeFileSync(roster, hosts.map((h, i) => `${h.address},g${Math.floor(i / size) + 1}`).join('\n') + '\n');
  const m = lab.mirror();
  const preset = join(dir, 'class.yaml');
  writeFileSync(
    preset,
    stringify({
      apiVersion: 'k3s-wizard/v1',
      kind: 'ClassroomPreset',
      name: 'bench',
      k3s: { version: m.versions[0] },
      install: {
        source: 'online',
        scriptUrl: m.installScriptUrl,
        githubUrl: m.githubUrl,
        channelUrl: m.channelUrl,
      },
      firewall: { policy: 'leave' },
      login: { user: hosts[0]!.user, auth: { method: 'key', keyPath: hosts[0]!.keyPath } },
      build: { concurrency },
      handout: { studentsPerCluster: 0 },
    }),
  );
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const fleet = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const started = Date.now();
    const code = await runCli(
      [
        'fleet',
        roster,
        '--preset',
        preset,
        '--yes',
        '--accept-new-host-keys',
        '--json',
        '--skip-fixes',
        ...args,
      ],
      {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        env,
        untilInterrupted: () => new Promise(() => undefined),
      },
    );
    const ms = Date.now() - started;
    const text = out.join('');
    if (code !== 0 && !text.trim().startsWith('{'))
      throw new Error(`fleet ${args.join(' ')} exited ${code}:\n${err.join('').slice(-3000)}`);
    return {
      ms,
      code,
      result: JSON.parse(text) as { clusters?: { cluster: string; state: string; durationMs?: number }[] },
    };
  };
  const alone = await fleet(['--only', 'bench-g1']);
  console.log(
    `one cluster alone (${size} machines): ${secs(alone.ms)} (its run ${secs(alone.result.clusters?.[0]?.durationMs ?? 0)})`,
  );
  await fleet(['--only', 'bench-g1', '--reset', 'uninstall']);
  const all = await fleet([]);
  console.log(
    `${clusters} clusters at once (${clusters * size} machines, limit ${concurrency}): ${secs(all.ms)}`,
  );
  for (const c of all.result.clusters ?? []) console.log(`  ${c.cluster}: ${secs(c.durationMs ?? 0)}`);
  console.log(`ratio fleet / one cluster alone: ${(all.ms / alone.ms).toFixed(2)}`);
  console.log(
    `ratio to the hosts' own need: one cluster ${(alone.ms / need.one).toFixed(2)}, the fleet ${(all.ms / need.all).toFixed(2)}`,
  );
  // Clusters that failed (the dashboard lists them first) are retried once, as a teacher would.
  const failed = (all.result.clusters ?? []).filter((c) => c.state !== 'done').map((c) => c.cluster);
  if (failed.length) {
    const retry = await fleet(['--only', ...failed]);
    console.log(`failed first time: ${failed.join(', ')}; retried in ${secs(retry.ms)} (exit ${retry.code})`);
  }
  clearInterval(sampler);
  console.log(`back end peak RSS: ${(peak / 1024 / 1024).toFixed(0)} MB`);
  await fleet(['--reset', 'uninstall']);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
