/**
 * The install, side by side on the same lab hosts (1 server + N agents, every host with an added
 * round-trip latency, hosts reset before every contender; with BENCH_SERVERS above 1, an HA
 * cluster with embedded etcd, and `apply` alone, since the other contenders join one server):
 * - the hosts alone: the install script run on each host directly (no SSH): the server to API
 *   ready, then every agent at once to Ready; their need is server + slowest agent;
 * - joins one after another over plain `ssh` (what k3sup in a loop and the docs' copy-paste do),
 *   and the same joins all at once (a `&` loop);
 * - k3s-wizard `apply` through the real engine with its default concurrency (logins and the read
 *   of every machine's facts included, as the command does them),
 *   then a second run that changes nothing;
 * - the same `apply` installing from the lab's air-gap folder (binary, install script and images
 *   copied from this computer over SFTP, checked by sha256), cold and then a second run.
 * Prints wall times, the ratio to the hosts' need, SSH channels (exec + SFTP) and logins per
 * host, and this machine's CPU use (whether the lab was short of cores). Environment: BENCH_AGENTS (default 8), BENCH_SERVERS (default 1), BENCH_DELAY_MS (default 50), BENCH_CONCURRENCY
 * (default: what `apply` uses), BENCH_ONLY (comma list of alone,sequential,parallel,apply,apply-airgap),
 * BENCH_TIMELINE=1 (when each step reached each action), BENCH_KEEP=1 (leave the hosts up afterwards).
 * Root only (the lab). Prints figures; asserts nothing about durations.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import * as lab from '../lab';
import type { RunSnapshot } from '../../shared/run';
import { SshSession } from '../../electron/ssh/session';
import { defaultConcurrency } from '../../electron/engine/run';
import { asNodes, clusterFile, labRun } from '../../test-support/engine/lab';
import { labSshArgs } from '../../test-support/lab-setup';
import { AGENT_SCRIPT, SERVER_SCRIPT, hostsAlone, waitAllReady } from './hosts-alone';

const agents = Number(process.env.BENCH_AGENTS ?? 8);
const servers = Number(process.env.BENCH_SERVERS ?? 1);
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 50);
const concurrencyEnv = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;
const only = (
  process.env.BENCH_ONLY ?? (servers > 1 ? 'apply' : 'alone,sequential,parallel,apply,apply-airgap')
).split(',');
if (servers > 1 && only.some((c) => ['alone', 'sequential', 'parallel'].includes(c)))
  throw new Error('BENCH_SERVERS above 1 runs apply and apply-airgap only (the others join one server).');

const specs = [
  ...Array.from({ length: servers }, (_, i) => ({
    name: i ? `e6bsrv${i + 1}` : 'e6bsrv',
    delayMs,
    firewall: 'none' as const,
  })),
  ...Array.from({ length: agents }, (_, i) => ({ name: `e6b${i + 1}`, delayMs, firewall: 'none' as const })),
];
const names = specs.map((s) => s.name);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// SSH channels (exec and SFTP) and logins by host address, counted on the product's one SSH
// session class while `apply` runs.
const channels = new Map<string, number>();
const logins = new Map<string, number>();
// What each channel was for, by host address (the command's step name).
const purposes = new Map<string, string[]>();
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
// When each channel opened and closed, by host address (BENCH_TIMELINE).
const spans = new Map<string, { what: string; from: number; to: number }[]>();
function timed<T>(host: string, what: string, work: Promise<T>): Promise<T> {
  const span = { what, from: Date.now(), to: 0 };
  const list = spans.get(host) ?? [];
  list.push(span);
  spans.set(host, list);
  const end = () => (span.to = Date.now());
  work.then(end, end);
  return work;
}
// The originals, called with the session as `this`.
function original<K extends 'exec' | 'withSftp' | 'connect'>(name: K): SshSession[K] {
  return Object.getOwnPropertyDescriptor(SshSession.prototype, name)?.value as SshSession[K];
}
{
  const proto = SshSession.prototype;
  const exec = original('exec');
  const withSftp = original('withSftp');
  const connect = original('connect');
  proto.exec = function (this: SshSession, ...args: Parameters<SshSession['exec']>) {
    bump(channels, this.target.host);
    const list = purposes.get(this.target.host) ?? [];
    list.push(args[1]?.step ?? args[0].slice(0, 40));
    purposes.set(this.target.host, list);
    return timed(this.target.host, args[1]?.step ?? args[0].slice(0, 40), exec.apply(this, args));
  };
  proto.withSftp = function <T>(this: SshSession, ...args: Parameters<SshSession['withSftp']>) {
    bump(channels, this.target.host);
    const list = purposes.get(this.target.host) ?? [];
    list.push('sftp');
    purposes.set(this.target.host, list);
    return timed(this.target.host, 'sftp', withSftp.apply(this, args) as Promise<T>);
  };
  proto.connect = function (this: SshSession, ...args: Parameters<SshSession['connect']>) {
    if (this.connected || (this as unknown as { connecting: unknown }).connecting)
      return connect.apply(this, args);
    bump(logins, this.target.host);
    return timed(this.target.host, 'login', connect.apply(this, args));
  };
}

/**
 * This machine's CPU time so far, from /proc/stat (in USER_HZ, 100 per second on Linux): busy
 * (all but idle and iowait) and in all, summed over its cores. Where a contender's busy share
 * is well below 100 %, it waited on the network and on itself, not on the lab's cores.
 */
function machineCpu(): { busy: number; total: number } {
  const ticks = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

function cpuSince(from: { busy: number; total: number }): string {
  const now = machineCpu();
  const busy = now.busy - from.busy;
  const total = now.total - from.total;
  return `${(busy / 100).toFixed(1)} core-s busy of ${(total / 100).toFixed(1)} (${total ? Math.round((100 * busy) / total) : 0} %)`;
}

/** The agents: the hosts after the servers. */
const rest = (hosts: lab.LabHost[]): [lab.LabHost, ...lab.LabHost[]] =>
  hosts.slice(servers) as [lab.LabHost, ...lab.LabHost[]];

async function reset(): Promise<lab.LabHost[]> {
  await lab.down(names);
  return lab.up(specs);
}

function ssh(host: lab.LabHost, script: string, stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'ssh',
      labSshArgs(host, script, ['-o', 'BatchMode=yes']),
      { timeout: 300_000 },
      (error, stdout, stderr) =>
        error
          ? reject(
              new Error(
                `${host.name}: ssh exit ${typeof error.code === 'number' || typeof error.code === 'string' ? error.code : error.message}${error.killed ? ' (killed)' : ''}: ${stderr}`,
              ),
            )
          : resolve(stdout),
    );
    child.stdin?.end(stdin);
  });
}

/** What k3sup and the docs do: install the server, read the token, then join the agents. */
async function overSsh(hosts: lab.LabHost[], parallel: boolean): Promise<number> {
  const [server, ...rest] = hosts as [lab.LabHost, ...lab.LabHost[]];
  const t0 = Date.now();
  await ssh(server, SERVER_SCRIPT('sudo -n'));
  const token = (await ssh(server, 'sudo -n cat /var/lib/rancher/k3s/server/token')).trim();
  const url = `https://${server.address}:6443`;
  if (parallel) await Promise.all(rest.map((h) => ssh(h, AGENT_SCRIPT('sudo -n', url), `${token}\n`)));
  else for (const h of rest) await ssh(h, AGENT_SCRIPT('sudo -n', url), `${token}\n`);
  await waitAllReady(
    server.name,
    rest.map((h) => h.name),
  );
  return Date.now() - t0;
}

interface ApplyFigures {
  wallMs: number;
  snapshot: RunSnapshot;
  channels: number[];
  logins: number[];
}

async function apply(hosts: lab.LabHost[], title: string, cluster: ReturnType<typeof clusterFile>) {
  channels.clear();
  logins.clear();
  purposes.clear();
  spans.clear();
  // The engine runs in this process: its peak memory is this process's.
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const cpu = machineCpu();
  const t0 = performance.now();
  // As `apply` does: log in, read every machine's facts, plan, run.
  const { started, pool, events } = await labRun(cluster, {
    probe: true,
    // As apply watches a join: the tests' quicker watch would follow journals apply does not.
    productJoinWatch: true,
    ...(concurrencyEnv ? { concurrency: concurrencyEnv } : {}),
  });
  const snapshot = await started.done;
  const wallMs = performance.now() - t0;
  const cpuUsed = cpuSince(cpu);
  clearInterval(sampler);
  pool.closeAll();
  const figures: ApplyFigures = {
    wallMs,
    snapshot,
    channels: hosts.map((h) => channels.get(h.address) ?? 0),
    logins: hosts.map((h) => logins.get(h.address) ?? 0),
  };
  const d = (id: string) => snapshot.steps[id]?.durationMs ?? 0;
  const run = snapshot.durationMs ?? wallMs;
  console.log(
    `\nk3s-wizard apply, ${title}: ${snapshot.status}${snapshot.changed === false ? ' (nothing changed)' : ''}`,
  );
  console.log(
    `  wall time             ${secs(wallMs)} (logging in and reading facts ${secs(wallMs - run)}, the run ${secs(run)})`,
  );
  const installs = names.map((n) => d(`install:${n}`));
  console.log(
    `  install steps         server${servers > 1 ? 's' : ''} ${installs
      .slice(0, servers)
      .map(secs)
      .join(
        ', ',
      )}, agents ${secs(Math.min(...installs.slice(servers)))}–${secs(Math.max(...installs.slice(servers)))}`,
  );
  for (const id of ['credentials:token', 'credentials:kubeconfig', 'verify:cluster'])
    console.log(`  ${`${id} `.padEnd(23)}${secs(d(id))}`);
  const range = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
  console.log(
    `  SSH channels          server ${figures.channels.slice(0, servers).join(', ')}, agents ${range(figures.channels.slice(servers))}`,
  );
  console.log(
    `  SSH logins            server ${figures.logins.slice(0, servers).join(', ')}, agents ${range(figures.logins.slice(servers))}${Math.max(...figures.logins) > 1 ? ' (a host key seen for the first time is trusted first, then logged in again)' : ''}`,
  );
  // Round trips one after another on each agent beyond the install itself: every channel but
  // the install batch and the journal it is watched through (that one runs beside it).
  const beyond = rest(hosts).map(
    (h) =>
      (purposes.get(h.address) ?? []).filter((p) => !/^Install K3s|^follow the .* journal/.test(p)).length,
  );
  console.log(
    `  round trips beyond the install, per agent: ${range(beyond)} (plus ${range(figures.logins.slice(servers))} login${Math.max(...figures.logins.slice(servers)) > 1 ? 's' : ''})`,
  );
  // Each channel costs at least one round trip (open, exec, exit): what they were for.
  const busiest = rest(hosts).reduce((a, b) =>
    (channels.get(b.address) ?? 0) > (channels.get(a.address) ?? 0) ? b : a,
  );
  for (const [label, host] of [
    ['server', hosts[0]],
    [`busiest agent (${busiest.name})`, busiest],
  ] as const) {
    const counted = new Map<string, number>();
    for (const p of purposes.get(host?.address ?? '') ?? []) counted.set(p, (counted.get(p) ?? 0) + 1);
    console.log(
      `  channels, ${label}: ${[...counted].map(([p, n]) => (n > 1 ? `${n}x ${p}` : p)).join('; ')}`,
    );
  }
  console.log(`  peak memory (RSS)     ${Math.round(peakRss / 2 ** 20)} MB (this process, engine included)`);
  console.log(`  this machine's CPU    ${cpuUsed} (the lab's hosts and this process)`);
  if (process.env.BENCH_TIMELINE) {
    // When each step started and reached each action, in seconds from the first event.
    const t0 = Date.parse(events[0]?.time ?? '');
    const at = (time: string) => ((Date.parse(time) - t0) / 1000).toFixed(2);
    // Each channel of the server and the busiest agent: from, to (seconds), what for.
    for (const host of [hosts[0], busiest]) {
      console.log(`    channels of ${host?.name}:`);
      for (const s of spans.get(host?.address ?? '') ?? [])
        console.log(
          `      ${((s.from - t0) / 1000).toFixed(2)}–${s.to ? ((s.to - t0) / 1000).toFixed(2) : '(open)'} ${s.what}`,
        );
    }
    for (const e of events) {
      if (e.type === 'step-started' || e.type === 'step-finished' || e.type === 'step-skipped')
        console.log(`    ${at(e.time)} ${e.stepId} ${e.type.slice(5)}`);
      else if (e.type === 'progress' && e.transferred === undefined)
        console.log(`    ${at(e.time)} ${e.stepId}   ${e.what}`);
    }
  }
  if (snapshot.status !== 'succeeded') {
    process.exitCode = 1;
    for (const [id, st] of Object.entries(snapshot.steps))
      if (st?.error) console.log(`  ${id} failed: ${st.error.code}: ${st.error.message.slice(0, 600)}`);
  }
  return figures;
}

/**
 * The air-gap cluster file: every lab host of the bench is amd64, said in the file (as a user
 * without probed facts does), so the plan knows which binary each host gets.
 */
function airgapCluster(cluster: ReturnType<typeof clusterFile>): ReturnType<typeof clusterFile> {
  const spec = parse(readFileSync(cluster.file, 'utf8')) as { nodes: Record<string, unknown>[] };
  for (const node of spec.nodes) node.arch = 'amd64';
  writeFileSync(cluster.file, stringify(spec));
  return cluster;
}

/** One contender; a failure (a busy machine can fail a bare install too) is printed, the others go on. */
async function contender<T>(title: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    process.exitCode = 1;
    console.log(
      `\n${title}: FAILED (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
    return null;
  }
}

await lab.ensureMirror();
const concurrency = concurrencyEnv ?? defaultConcurrency(specs.length);
console.log(
  `${servers} server${servers > 1 ? 's (embedded etcd)' : ''} + ${agents} agents, ${delayMs} ms added per packet, apply with concurrency ${concurrency}${concurrencyEnv ? ' (BENCH_CONCURRENCY)' : ' (its default)'}`,
);
console.log('(a shared or busy machine makes these figures noisy)');
let need: number | null = null;
try {
  if (only.includes('alone')) {
    let cpuUsed = '';
    const alone = await contender('the hosts alone', async () => {
      const hosts = await reset();
      const cpu = machineCpu();
      const figures = await hostsAlone(hosts);
      cpuUsed = cpuSince(cpu);
      return figures;
    });
    if (alone) {
      need = alone.server + alone.slowest;
      console.log(
        `\nthe hosts alone       ${secs(need)} (server install to API ready ${secs(alone.server)} + slowest agent to Ready ${secs(alone.slowest)})`,
      );
      console.log(`  this machine's CPU    ${cpuUsed}`);
    }
  }
  for (const [key, parallel] of [
    ['sequential', false],
    ['parallel', true],
  ] as const) {
    if (!only.includes(key)) continue;
    const ms = await contender(`joins over plain ssh (${key})`, async () => overSsh(await reset(), parallel));
    if (ms === null) continue;
    console.log(
      `\njoins over plain ssh, ${parallel ? 'all at once (& loop)' : 'one after another'}: ${secs(ms)}${need ? ` (${(ms / need).toFixed(2)} x the hosts' need)` : ''}; 1 login and 1 channel per agent, 2 on the server`,
    );
  }
  for (const source of ['online', 'airgap'] as const) {
    if (!only.includes(source === 'online' ? 'apply' : 'apply-airgap')) continue;
    const hosts = await reset();
    const nodes = asNodes(hosts, servers);
    const cluster =
      source === 'online'
        ? clusterFile('e6bench', nodes)
        : airgapCluster(
            clusterFile('e6bair', nodes, {
              install: { source: 'airgap', folder: lab.mirror().airgapDir, images: true },
            }),
          );
    const label = source === 'online' ? '' : ', air-gap';
    const cold = await apply(hosts, `cold install${label}`, cluster);
    if (need)
      console.log(
        `  ratio                 ${(cold.wallMs / need).toFixed(2)} x the hosts' need (${secs(need)})`,
      );
    await apply(hosts, `second run${label}`, cluster);
  }
} finally {
  if (process.env.BENCH_KEEP)
    console.log(`hosts kept for a look: ${names.join(' ')} (lab down to remove them)`);
  else await lab.down(names);
}
