// Failures on lab hosts, each a clear error naming the host: a wrong join token, the API port
// blocked, then a retry of one host, and sshd killed in the middle of an install finished by a
// second run (the reinstalled node's stale object is removed first).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, fault, up, type LabHost } from '../../e2e/lab/index';
import type { Plan } from '../../shared/plan';
import { clusterFile, labRun, sampleCommandLines, type ClusterFile } from '../../test-support/engine/lab';

// e6fkp's sudo asks for a password: it goes to sudo on stdin, never on a command line.
const SPECS = ['e6fs', 'e6fa', 'e6fkp'].map((name) => ({
  name,
  arch: 'amd64' as const,
  firewall: 'none' as const,
  sudo: name === 'e6fkp' ? ('password' as const) : ('nopasswd' as const),
}));
const names = SPECS.map((s) => s.name);
const WRONG = '/root/e6-wrong-token';
let cluster: ClusterFile;

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  const [fs, fa, fk] = (await up(SPECS)) as [LabHost, LabHost, LabHost];
  cluster = clusterFile('e6faults', [
    { host: fs, role: 'server' },
    { host: fa, role: 'agent' },
    { host: fk, role: 'agent' },
  ]);
}, 900_000);

afterAll(async () => {
  await fault.unblockPort('e6fs', 6443).catch(() => undefined);
  await down(names);
});

/** The plan with the join token read from a file holding another cluster's token. */
function wrongToken(plan: Plan): Plan {
  return {
    ...plan,
    steps: plan.steps.map((s) =>
      s.id === 'credentials:token'
        ? { ...s, actions: s.actions.map((a) => (a.kind === 'read-secret' ? { ...a, path: WRONG } : a)) }
        : s,
    ),
  };
}

describe('failures name the host and say what is wrong', () => {
  it('a token of another cluster is refused: JOIN_TOKEN_REJECTED', async () => {
    await exec('e6fs', [
      'sh',
      '-c',
      `umask 077; echo K10${'ab'.repeat(32)}::server:${'0'.repeat(32)} > ${WRONG}`,
    ]);
    const sampler = sampleCommandLines(names);
    const { started, pool, events } = await labRun(cluster, { edit: wrongToken });
    const snapshot = await started.done;
    const commandLines = (await sampler.stop()).join('\n');
    pool.closeAll();
    const sudoPassword = Object.values(cluster.sudoPasswords)[0] ?? '';
    expect(sudoPassword.length).toBeGreaterThan(3);
    for (const text of [commandLines, JSON.stringify(events), readFileSync(started.logPath, 'utf8')]) {
      expect(text).not.toContain(sudoPassword);
      expect(text).not.toContain('0'.repeat(32));
    }
    expect(snapshot.steps['install:e6fs']?.status).toBe('done');
    for (const host of ['e6fa', 'e6fkp']) {
      const error = snapshot.steps[`install:${host}`]?.error;
      expect(error?.code, JSON.stringify(error)).toBe('JOIN_TOKEN_REJECTED');
      expect(error?.message).toContain(host);
      expect(error?.lastOutput.join('\n')).toMatch(/journalctl -u k3s-agent/);
    }
    expect(snapshot.steps['verify:cluster']?.status).toBe('blocked');
  });

  it('the API port blocked: JOIN_UNREACHABLE; unblocked, retrying one host finishes it alone', async () => {
    await fault.blockPort('e6fs', 6443);
    const { started, events, pool } = await labRun(cluster, { joinGraceMs: 10_000 });
    let snapshot = await started.done.finally(() => fault.unblockPort('e6fs', 6443));
    for (const host of ['e6fa', 'e6fkp']) {
      const error = snapshot.steps[`install:${host}`]?.error;
      expect(error?.code, JSON.stringify(error)).toBe('JOIN_UNREACHABLE');
      expect(error?.message).toContain(host);
      expect(error?.message).toContain('6443');
    }
    const before = events.length;
    snapshot = await started.run.retryHost('e6fa');
    pool.closeAll();
    expect(snapshot.steps['install:e6fa']?.status).toBe('done');
    const again = events.slice(before).flatMap((e) => (e.type === 'step-started' ? [e.stepId] : []));
    expect(again).toEqual(['install:e6fa']);
    expect(snapshot.steps['install:e6fkp']?.status).toBe('failed');
    expect(snapshot.steps['verify:cluster']).toMatchObject({ status: 'blocked', blockedBy: 'install:e6fkp' });
  });

  it('sshd killed in the middle of an install: CONNECTION_LOST, and a second run completes', async () => {
    const joined = await labRun(cluster);
    expect((await joined.started.done).status).toBe('succeeded');
    joined.pool.closeAll();
    // A re-flashed machine: no K3s and no node password there, its node object still in the cluster.
    await exec(
      'e6fkp',
      ['sh', '-c', '/usr/local/bin/k3s-agent-uninstall.sh >/dev/null 2>&1; rm -rf /etc/rancher/node'],
      {
        timeoutMs: 120_000,
      },
    );
    const kill: { done: Promise<void> | null } = { done: null };
    const first = await labRun(cluster, {
      onEvent: (e) => {
        if (!kill.done && e.type === 'progress' && e.host === 'e6fkp' && e.what.startsWith('install K3s'))
          kill.done = fault.killSshd('e6fkp');
      },
    });
    const broken = await first.started.done;
    first.pool.closeAll();
    await kill.done;
    const removed = first.events.some(
      (e) =>
        e.type === 'output' &&
        e.host === 'e6fkp' &&
        e.lines.some((l) => l.includes('removed the stale node object')),
    );
    expect(removed).toBe(true);
    const error = broken.steps['install:e6fkp']?.error;
    expect(error?.code, JSON.stringify(error)).toBe('CONNECTION_LOST');
    expect(error?.message).toContain('e6fkp');
    await fault.startSshd('e6fkp');
    const second = await labRun(cluster);
    const snapshot = await second.started.done;
    second.pool.closeAll();
    const notDone = Object.values(snapshot.steps).filter(
      (s) => s.status !== 'done' && s.status !== 'skipped',
    );
    expect(
      notDone,
      JSON.stringify(
        notDone.map((s) => s.error),
        null,
        2,
      ),
    ).toEqual([]);
    expect((snapshot.nodes ?? []).map((n) => n.name).sort()).toEqual(names.slice().sort());
    expect((snapshot.nodes ?? []).every((n) => n.ready)).toBe(true);
  });

  it('cancel in the middle of an install stops it; the next run completes', async () => {
    await exec(
      'e6fa',
      ['sh', '-c', '/usr/local/bin/k3s-agent-uninstall.sh >/dev/null 2>&1; rm -rf /etc/rancher/node'],
      {
        timeoutMs: 120_000,
      },
    );
    const first = await labRun(cluster, {
      onEvent: (e) => {
        if (e.type === 'progress' && e.host === 'e6fa' && e.what.startsWith('download'))
          first.started.run.cancel();
      },
    });
    const stopped = await first.started.done;
    first.pool.closeAll();
    expect(stopped.status).toBe('cancelled');
    expect(stopped.steps['install:e6fa']).toMatchObject({
      status: 'cancelled',
      error: { code: 'CANCELLED' },
    });
    expect(stopped.steps['verify:cluster']?.status).toBe('pending');
    const second = await labRun(cluster);
    const snapshot = await second.started.done;
    second.pool.closeAll();
    expect(snapshot.status, JSON.stringify(snapshot.steps['install:e6fa']?.error)).toBe('succeeded');
    expect(snapshot.steps['install:e6fa']?.status).toBe('done');
  });
});
