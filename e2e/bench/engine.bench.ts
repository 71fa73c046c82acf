/**
 * The run engine on 1 server + N agents, every lab host with an added round-trip latency:
 * wall time of a fresh install against the ideal (the server's install step plus the slowest
 * agent's, as measured in the same run, so the stand-in's own install time cancels out), the
 * same for a second run that changes nothing, and SSH round trips per host.
 * Environment: BENCH_AGENTS (default 8), BENCH_DELAY_MS (default 50), BENCH_CONCURRENCY
 * (default 8). Root only (the lab). Prints figures; asserts nothing about durations.
 */
import * as lab from '../lab';
import type { RunSnapshot } from '../../shared/run';
import { clusterFile, labRun } from '../../test-support/engine/lab';

const agents = Number(process.env.BENCH_AGENTS ?? 8);
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 50);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);

const specs = [
  { name: 'e6bsrv', delayMs, firewall: 'none' as const },
  ...Array.from({ length: agents }, (_, i) => ({ name: `e6b${i + 1}`, delayMs, firewall: 'none' as const })),
];
const names = specs.map((s) => s.name);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function report(title: string, snapshot: RunSnapshot, wallMs: number, trips: Map<string, number>): void {
  const d = (id: string) => snapshot.steps[id]?.durationMs ?? 0;
  const server = d('install:e6bsrv');
  const slowest = Math.max(0, ...names.slice(1).map((n) => d(`install:${n}`)));
  const ideal = server + slowest;
  const run = snapshot.durationMs ?? wallMs;
  console.log(`\n${title}: ${snapshot.status}${snapshot.changed === false ? ' (nothing changed)' : ''}`);
  console.log(
    `  wall time             ${secs(wallMs)} (logging in ${secs(wallMs - run)}, the run ${secs(run)})`,
  );
  if (ideal > 0) {
    console.log(
      `  ideal                 ${secs(ideal)} (server install ${secs(server)} + slowest agent install ${secs(slowest)})`,
    );
    console.log(`  run over ideal        ${secs(run - ideal)} (${((run / ideal - 1) * 100).toFixed(0)} %)`);
  } else console.log('  ideal                 0 s: every install was already done (its check ran instead)');
  for (const id of ['credentials:token', 'credentials:kubeconfig', 'verify:cluster'])
    console.log(`  ${`${id} `.padEnd(23)}${secs(d(id))}`);
  const counts = names.map((n) => trips.get(n) ?? 0);
  console.log(
    `  SSH round trips       server ${counts[0]}, agents ${Math.min(...counts.slice(1))}–${Math.max(...counts.slice(1))}`,
  );
}

await lab.ensureMirror();
await lab.down(names);
const hosts = await lab.up(specs);
try {
  const [server, ...rest] = hosts;
  if (!server) throw new Error('no server');
  const cluster = clusterFile('e6bench', [
    { host: server, role: 'server' },
    ...rest.map((host) => ({ host, role: 'agent' as const })),
  ]);
  console.log(`1 server + ${agents} agents, ${delayMs} ms added per packet, concurrency ${concurrency}`);
  for (const title of ['fresh install', 'second run']) {
    const t0 = performance.now();
    const { started, pool } = await labRun(cluster, { concurrency });
    const snapshot = await started.done;
    const wall = performance.now() - t0;
    pool.closeAll();
    report(title, snapshot, wall, new Map([...started.runners].map(([n, r]) => [n, r.roundTrips])));
    if (snapshot.status !== 'succeeded') process.exitCode = 1;
  }
} finally {
  await lab.down(names);
}
