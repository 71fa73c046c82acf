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
import { join } from 'node:path';
import * as lab from '../lab';
import { k3sWizard } from '../../test-support/engine/lab';
import { bootHosts, scratchHome, writePreset, writeRoster } from '../../test-support/lab-setup';
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
  const hosts = await bootHosts(specs, { mirror: false, booted: true });
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
  const { dir, env } = scratchHome('fleet-bench');
  const roster = writeRoster(join(dir, 'roster.csv'), hosts, (i) => `g${Math.floor(i / size) + 1}`, {
    header: false,
  });
  const preset = join(dir, 'class.yaml');
  writePreset(preset, 'bench', hosts[0]!, { build: { concurrency }, handout: { studentsPerCluster: 0 } });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const fleet = async (args: string[]) => {
    const started = Date.now();
    const {
      code,
      stdout: text,
      stderr,
    } = await k3sWizard(env, [
      'fleet',
      roster,
      '--preset',
      preset,
      '--yes',
      '--accept-new-host-keys',
      '--json',
      '--skip-fixes',
      ...args,
    ]);
    const ms = Date.now() - started;
    if (code !== 0 && !text.trim().startsWith('{'))
      throw new Error(`fleet ${args.join(' ')} exited ${code}:\n${stderr.slice(-3000)}`);
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
