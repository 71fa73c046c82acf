import { describe, expect, it } from 'vitest';
import { reduceRun, type RunEvent, type RunSnapshot } from '../run';
import { dashboard, dashboardText } from './dashboard';

/** A snapshot of a run over `hosts` (one step each), folded from events as the engine sends them. */
function snapshot(
  cluster: string,
  hosts: string[],
  outcome: Record<string, 'done' | 'failed' | 'running'>,
): RunSnapshot {
  let seq = 0;
  const at = (body: Record<string, unknown>) =>
    ({ ...body, runId: cluster, seq: seq++, time: '2026-01-01T00:00:00Z' }) as RunEvent;
  let s: RunSnapshot | null = null;
  const fold = (body: Record<string, unknown>) => (s = reduceRun(s, at(body)));
  fold({
    type: 'run-started',
    cluster,
    dryRun: false,
    concurrency: 4,
    steps: [
      ...hosts.map((h) => ({
        id: `install:${h}`,
        host: h,
        phase: 'agents',
        title: `Install ${h}`,
        dependsOn: [],
      })),
      // the cluster's check runs on its first machine and waits for every install
      {
        id: 'verify',
        host: hosts[0],
        phase: 'verify',
        title: 'Check',
        dependsOn: hosts.map((h) => `install:${h}`),
      },
    ],
  });
  for (const h of hosts) {
    fold({ type: 'step-started', host: h, stepId: `install:${h}` });
    if (outcome[h] === 'done')
      fold({ type: 'step-finished', host: h, stepId: `install:${h}`, durationMs: 1, changed: true });
    if (outcome[h] === 'failed')
      fold({
        type: 'step-failed',
        host: h,
        stepId: `install:${h}`,
        durationMs: 1,
        error: { code: 'COMMAND_FAILED', message: 'the install script exited 1', lastOutput: [] },
      });
  }
  const failed = hosts.find((h) => outcome[h] === 'failed');
  if (failed)
    fold({ type: 'step-blocked', host: hosts[0], stepId: 'verify', blockedBy: `install:${failed}` });
  else if (hosts.every((h) => outcome[h] === 'done')) {
    fold({ type: 'step-started', host: hosts[0], stepId: 'verify' });
    fold({ type: 'step-finished', host: hosts[0], stepId: 'verify', durationMs: 1, changed: false });
  }
  if (hosts.every((h) => outcome[h] !== 'running'))
    fold({
      type: 'run-finished',
      outcome: hosts.some((h) => outcome[h] === 'failed') ? 'failed' : 'succeeded',
      changed: true,
      durationMs: 42_000,
    });
  return s as unknown as RunSnapshot;
}

describe('fleet dashboard', () => {
  it('a row per cluster, a cell per machine, failures first (clusters and machines)', () => {
    const rows = dashboard(
      [
        { cluster: 'c-a', machines: ['a1', 'a2'] },
        { cluster: 'c-b', machines: ['b1', 'b2', 'b3'] },
        { cluster: 'c-c', machines: ['c1'] },
        { cluster: 'c-d', machines: ['d1'] },
      ],
      {
        'c-a': snapshot('c-a', ['a1', 'a2'], { a1: 'done', a2: 'done' }),
        'c-b': snapshot('c-b', ['b1', 'b2', 'b3'], { b1: 'done', b2: 'done', b3: 'failed' }),
        'c-c': snapshot('c-c', ['c1'], { c1: 'running' }),
      },
    );
    expect(rows.map((r) => [r.cluster, r.state])).toEqual([
      ['c-b', 'failed'],
      ['c-c', 'running'],
      ['c-d', 'pending'],
      ['c-a', 'done'],
    ]);
    expect(rows[0]?.machines.map((m) => [m.host, m.state])).toEqual([
      ['b3', 'failed'],
      ['b1', 'done'],
      ['b2', 'done'],
    ]);
    expect(rows[0]?.machines[0]?.problem).toBe('Install b3: the install script exited 1');
    expect(dashboardText(rows)).toEqual([
      'c-b: FAILED (42 s)  b3 FAILED, b1 ok, b2 ok',
      '    b3: Install b3: the install script exited 1',
      'c-c: working  c1 working',
      'c-d: waiting  d1 waiting',
      'c-a: ok (42 s)  a1 ok, a2 ok',
    ]);
  });
});

describe('a failed cell', () => {
  it("does not name its step twice when the engine's message already does", () => {
    const s = snapshot('c-a', ['a1'], { a1: 'failed' });
    const step = s.steps['install:a1']!;
    step.error = {
      code: 'COMMAND_FAILED',
      message: 'a1, step "Install a1": cannot reach 10.0.0.1:6443',
      lastOutput: [],
    };
    expect(dashboard([{ cluster: 'c-a', machines: ['a1'] }], { 'c-a': s })[0]?.machines[0]?.problem).toBe(
      'a1, step "Install a1": cannot reach 10.0.0.1:6443',
    );
  });
});
