// #12.1 and #13.7: a firewall rollback guard belongs to one run. A run that stops after arming
// its guard (cancelled here; SIGKILLed from the command line below) leaves the guard on the
// host; the next run settles it first and says so, and the old guard never takes the K3s rules
// back after that run reported the cluster ready. Guards are found by a random id, never a PID.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, up, type LabHost } from '../../e2e/lab/index';
import type { HostFacts } from '../../shared/facts';
import { sameRules } from '../../shared/firewall';
import type { Plan } from '../../shared/plan';
import { apply, clusterFile, labFacts, labRun, type ClusterFile } from '../../test-support/engine/lab';

const names = ['c1gs', 'c1ga', 'c1ks', 'c1ka'];
const GUARD_SECONDS = 40;
const clusters: Record<
  string,
  { cluster: ClusterFile; facts: Record<string, HostFacts>; factsFile: string }
> = {};

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  const hosts = await up(
    names.map((name) => ({
      name,
      firewall: name.endsWith('s') ? ('firewalld' as const) : ('none' as const),
    })),
  );
  for (const prefix of ['c1g', 'c1k']) {
    const [s, a] = [`${prefix}s`, `${prefix}a`].map((n) => hosts.find((h) => h.name === n)) as [
      LabHost,
      LabHost,
    ];
    const cluster = clusterFile(
      `${prefix}guard`,
      [
        { host: s, role: 'server' },
        { host: a, role: 'agent' },
      ],
      { firewall: { policy: 'configure', clients: 'anywhere' } },
    );
    const facts = await labFacts(cluster);
    // The command line probes nothing itself: it is given the same facts.
    const factsFile = join(cluster.dir, 'facts.json');
    writeFileSync(factsFile, JSON.stringify(facts));
    clusters[prefix] = { cluster, facts, factsFile };
  }
}, 900_000);

afterAll(async () => {
  await down(names);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server's firewall step with a shorter guard, so a test can outwait it. */
function shortGuard(plan: Plan): Plan {
  return {
    ...plan,
    steps: plan.steps.map((s) => ({
      ...s,
      actions: s.actions.map((a) => (a.kind === 'firewall' ? { ...a, guardSeconds: GUARD_SECONDS } : a)),
    })),
  };
}

/** Runtime rules equal the permanent ones: nothing was taken back behind the cluster's back. */
async function runtimeMatchesPermanent(host: string): Promise<boolean> {
  const runtime = await exec(host, ['firewall-cmd', '--list-all-zones']);
  const permanent = await exec(host, ['firewall-cmd', '--permanent', '--list-all-zones']);
  return sameRules(runtime.stdout, permanent.stdout);
}

async function guardsOnHost(host: string): Promise<string[]> {
  const ps = await exec(host, ['ps', '-eo', 'args']);
  const files = await exec(host, ['sh', '-c', 'ls /var/lib/k3s-wizard/guards 2>/dev/null; true']);
  return [
    // The sleeper (its id in its arguments; the older PID-based guard slept on "$0").
    ...ps.stdout
      .split('\n')
      .filter((l) => /k3s-wizard-guard-[0-9a-f]{16}/.test(l) || l.includes('sleep "$0"')),
    ...files.stdout.split('\n').filter(Boolean),
  ];
}

describe('a stale firewall guard never undoes a later run', () => {
  it('a run stopped after arming its guard: the next run settles it, and it never fires', async () => {
    const { cluster, facts } = clusters.c1g!;
    const HOST = 'c1gs';
    let armedAt = 0;
    const first = await labRun(cluster, {
      facts,
      edit: shortGuard,
      onEvent: (e) => {
        if (e.type === 'output' && e.lines.some((l) => l.includes('rollback guard armed')) && !armedAt) {
          armedAt = Date.now();
          first.started.run.cancel();
        }
      },
    });
    const stopped = await first.started.done.finally(() => first.pool.closeAll());
    expect(armedAt).toBeGreaterThan(0);
    expect(stopped.status).not.toBe('succeeded');
    expect(await guardsOnHost(HOST)).not.toEqual([]);

    const second = await labRun(cluster, { facts, edit: shortGuard });
    const snapshot = await second.started.done.finally(() => second.pool.closeAll());
    expect(snapshot.status, JSON.stringify(snapshot.steps['prepare:c1gs:firewall'])).toBe('succeeded');
    expect(snapshot.steps['prepare:c1gs:firewall']?.output.join('\n')).toMatch(
      /an earlier run left its firewall change half-done \(rollback guard [0-9a-f]{16} still armed\): its runtime rules were taken back now/,
    );
    // Past the moment the first run's guard would have fired.
    await sleep(Math.max(0, armedAt + (GUARD_SECONDS + 8) * 1000 - Date.now()));
    expect(await runtimeMatchesPermanent(HOST)).toBe(true);
    expect(await guardsOnHost(HOST)).toEqual([]);

    const again = await labRun(cluster, { facts, edit: shortGuard });
    const third = await again.started.done.finally(() => again.pool.closeAll());
    expect(third.status).toBe('succeeded');
    expect(third.changed).toBe(false);
  });

  it('apply SIGKILLed with its guard armed: the next apply settles it, says so, and is ready', async () => {
    const { cluster, factsFile } = clusters.c1k!;
    const HOST = 'c1ks';
    const child = spawn(
      join(process.cwd(), 'node_modules', '.bin', 'tsx'),
      [
        join(process.cwd(), 'electron', 'cli', 'index.ts'),
        'apply',
        cluster.file,
        '--yes',
        '--accept-new-host-keys',
        '--plain',
        '--facts',
        factsFile,
      ],
      // Its own process group: tsx runs the command line in a child, and the whole group is killed.
      { env: cluster.env, stdio: 'ignore', detached: true },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Killed once the guard is armed: its file is written and its sleeper runs.
    const armed = async () => (await guardsOnHost(HOST)).filter((l) => !l.endsWith('.tmp')).length >= 2;
    for (let i = 0; i < 600 && !(await armed()); i++) await sleep(200);
    expect(await armed()).toBe(true);
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    await exited;

    const next = await apply(cluster, ['--facts', factsFile]);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toContain('Cluster c1kguard is');
    expect(next.stdout).toMatch(/an earlier run left its firewall change half-done/);
    expect(await guardsOnHost(HOST)).toEqual([]);
    expect(await runtimeMatchesPermanent(HOST)).toBe(true);
  });
});
