import { describe, expect, it } from 'vitest';
import { RunEvent, type RunEventBody } from './events';
import { MAX_OUTPUT_LINES, elapsedMs, hostStatus, reduceRun, replayRun } from './reduce';

const steps = [
  { id: 'install:s1', host: 's1', phase: 'first-server', title: 'Install server', dependsOn: [] },
  { id: 'install:a1', host: 'a1', phase: 'agents', title: 'Install agent', dependsOn: ['install:s1'] },
  { id: 'verify:cluster', host: 's1', phase: 'verify', title: 'Verify', dependsOn: ['install:a1'] },
];

function events(bodies: RunEventBody[]): RunEvent[] {
  return bodies.map((body, seq) =>
    RunEvent.parse({ ...body, runId: 'r1', seq, time: new Date(1_000_000 + seq * 1000).toISOString() }),
  );
}

const start: RunEventBody = { type: 'run-started', cluster: 'lab', steps, dryRun: false, concurrency: 4 };

describe('reduceRun', () => {
  it('tracks each step from pending to done, skipped, failed and blocked', () => {
    const s = replayRun(
      events([
        start,
        { type: 'step-skipped', host: 's1', stepId: 'install:s1', reason: 'done' },
        { type: 'step-started', host: 'a1', stepId: 'install:a1' },
        { type: 'progress', host: 'a1', stepId: 'install:a1', action: 1, actions: 4, what: 'write' },
        {
          type: 'step-failed',
          host: 'a1',
          stepId: 'install:a1',
          durationMs: 1500,
          error: { code: 'JOIN_UNREACHABLE', message: 'a1 cannot reach', lastOutput: ['x'] },
        },
        { type: 'step-blocked', host: 's1', stepId: 'verify:cluster', blockedBy: 'install:a1' },
        { type: 'run-finished', outcome: 'failed', changed: false, durationMs: 5000 },
      ]),
    );
    expect(s?.steps['install:s1']).toMatchObject({ status: 'skipped', skipReason: 'done' });
    expect(s?.steps['install:a1']).toMatchObject({
      status: 'failed',
      durationMs: 1500,
      progress: { action: 1, actions: 4, what: 'write' },
      error: { code: 'JOIN_UNREACHABLE' },
    });
    expect(s?.steps['verify:cluster']).toMatchObject({ status: 'blocked', blockedBy: 'install:a1' });
    expect(s?.status).toBe('failed');
    expect(s?.hosts).toEqual(['s1', 'a1']);
    expect(hostStatus(s!, 'a1')).toBe('failed');
    expect(hostStatus(s!, 's1')).toBe('blocked');
    expect(elapsedMs(s!, Date.now())).toBe(5000);
  });

  it('keeps only the last lines of output', () => {
    const lines = Array.from({ length: MAX_OUTPUT_LINES + 15 }, (_, i) => `line ${i}`);
    const s = replayRun(
      events([
        start,
        { type: 'step-started', host: 's1', stepId: 'install:s1' },
        { type: 'output', host: 's1', stepId: 'install:s1', stream: 'stdout', lines: lines.slice(0, 20) },
        { type: 'output', host: 's1', stepId: 'install:s1', stream: 'stderr', lines: lines.slice(20) },
      ]),
    );
    const out = s?.steps['install:s1']?.output ?? [];
    expect(out).toHaveLength(MAX_OUTPUT_LINES);
    expect(out.at(-1)).toBe(lines.at(-1));
  });

  it('ignores events already folded in and events of another run', () => {
    const all = events([start, { type: 'step-started', host: 's1', stepId: 'install:s1' }]);
    const s = replayRun(all);
    expect(reduceRun(s, all[1]!)).toBe(s);
    const other = { ...all[1]!, runId: 'r2', seq: 9 };
    expect(reduceRun(s, other)).toBe(s);
    expect(reduceRun(null, all[1]!)).toBeNull();
  });

  it('a cancelled step shows as cancelled; a resumed run resets the retried steps', () => {
    const s = replayRun(
      events([
        start,
        { type: 'step-started', host: 'a1', stepId: 'install:a1' },
        {
          type: 'step-failed',
          host: 'a1',
          stepId: 'install:a1',
          durationMs: 10,
          error: { code: 'CANCELLED', message: 'cancelled', lastOutput: [] },
        },
        { type: 'run-finished', outcome: 'cancelled', changed: true, durationMs: 20 },
        { type: 'run-resumed', host: 'a1', stepIds: ['install:a1', 'verify:cluster'] },
      ]),
    );
    expect(s?.status).toBe('running');
    expect(s?.steps['install:a1']).toMatchObject({ status: 'pending', error: undefined });
    expect(hostStatus(s!, 'a1')).toBe('pending');
  });

  it('records the nodes the cluster reported', () => {
    const node = {
      name: 's1',
      ready: true,
      roles: ['control-plane'],
      version: 'v1',
      arch: 'amd64',
      internalIp: '10.0.0.1',
    };
    const s = replayRun(
      events([
        start,
        { type: 'cluster-checked', nodes: [node], kubeconfigPath: '/k', checkedFromHere: true },
      ]),
    );
    expect(s?.nodes).toEqual([node]);
    expect(s?.kubeconfigPath).toBe('/k');
  });
});
