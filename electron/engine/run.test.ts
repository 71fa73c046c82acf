import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { runsInstallScript, type Plan, type PlanStep } from '../../shared/plan';
import type { RunEvent } from '../../shared/run';
import type { HostFacts } from '../../shared/facts';
import { makeFacts, makeSpec, node } from '../../test-support/shared/spec';
import { answersFromFacts, datastoreIsNew, FRESH_FACTS_MS } from './precheck';
import { harness, INSTALL, KUBECONFIG_TEXT, threeNodePlan, TOKEN } from '../../test-support/engine/harness';

function types(events: RunEvent[], stepId: string): string[] {
  return events
    .filter((e) => 'stepId' in e && e.stepId === stepId)
    .map((e) => e.type)
    .filter((t) => t !== 'output' && t !== 'progress');
}

function order(events: RunEvent[], type: RunEvent['type']): string[] {
  return events.flatMap((e) => (e.type === type && 'stepId' in e ? [e.stepId] : []));
}

/** Facts of machines whose K3s runs with exactly the plan's settings, read as root. */
function runningFacts(plan: Plan): Record<string, HostFacts> {
  return Object.fromEntries(
    plan.steps.flatMap((s, i) =>
      s.doneWhen
        ? [
            [
              s.host,
              makeFacts(`10.0.0.${i + 1}`, {
                k3s: {
                  installed: true,
                  version: 'v1.33.5+k3s1',
                  role: s.doneWhen.unit === 'k3s' ? 'server' : 'agent',
                  serviceState: 'active',
                  hasConfig: true,
                  configSha256: s.doneWhen.configSha256,
                  nodePassword: true,
                },
              }),
            ],
          ]
        : [],
    ),
  );
}

function handPlan(steps: Partial<PlanStep>[]): Plan {
  return {
    cluster: 'hand',
    phases: [],
    issues: [],
    steps: steps.map((s) => ({
      id: s.id ?? 'x',
      phase: s.phase ?? 'prepare',
      host: s.host ?? 'h1',
      title: s.title ?? s.id ?? 'x',
      actions: s.actions ?? [{ kind: 'exec', command: `work ${s.id}`, sudo: false, what: `do ${s.id}` }],
      secrets: [],
      alreadyDone: s.alreadyDone ?? null,
      timeoutMs: s.timeoutMs ?? 10_000,
      dependsOn: s.dependsOn ?? [],
      notes: [],
    })),
  };
}

describe('engine run', () => {
  it('runs a 1 server + 2 agent plan in dependency order and lists the nodes', async () => {
    const h = harness({ plan: threeNodePlan() });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.changed).toBe(true);
    const finished = order(h.events, 'step-finished');
    const at = (id: string) => finished.indexOf(id);
    expect(at('install:s1')).toBeLessThan(at('credentials:token'));
    expect(at('credentials:token')).toBeLessThan(at('install:a1'));
    expect(at('install:a2')).toBeLessThan(at('verify:cluster'));
    const checked = h.events.find((e) => e.type === 'cluster-checked');
    expect(checked).toMatchObject({ kubeconfigPath: '/home/me/.kube/lab', checkedFromHere: true });
    expect(snapshot.nodes?.map((n) => n.name)).toEqual(['s1', 'a1', 'a2']);
    expect(h.saved[0]).toMatchObject({ kubeconfig: `${KUBECONFIG_TEXT}\n`, server: 'https://10.0.0.1:6443' });
    expect(h.events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'succeeded' });
  });

  it('skips steps whose check says they are done, and says nothing changed', async () => {
    const done = [{ match: /k3s-wizard-check.*config\.yaml/, reply: { code: 0 } }];
    const h = harness({
      plan: threeNodePlan(),
      rules: { s1: done, a1: done, a2: done },
      services: { saveKubeconfig: () => Promise.resolve({ path: '/k', changed: false }) },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    for (const id of ['install:s1', 'install:a1', 'install:a2'])
      expect(snapshot.steps[id]).toMatchObject({ status: 'skipped', skipReason: 'done' });
    expect(h.requests.some((r) => INSTALL.test(r.command))).toBe(false);
    expect(h.requests.some((r) => r.kind === 'write-file')).toBe(false);
    expect(snapshot.changed).toBe(false);
  });

  it('skips every install the facts read just before the run say is done, asking no machine again', async () => {
    const plan = threeNodePlan();
    const h = harness({
      plan,
      answered: answersFromFacts(plan, runningFacts(plan), Date.now()) ?? undefined,
      services: { saveKubeconfig: () => Promise.resolve({ path: '/k', changed: false }) },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    for (const id of ['install:s1', 'install:a1', 'install:a2'])
      expect(snapshot.steps[id]).toMatchObject({ status: 'skipped', skipReason: 'done' });
    expect(snapshot.steps['credentials:token']).toMatchObject({
      status: 'skipped',
      skipReason: 'not-needed',
    });
    expect(h.requests.filter((r) => /k3s-wizard-check.*config\.yaml|node\/password/.test(r.command))).toEqual(
      [],
    );
    expect(snapshot.changed).toBe(false);
  });

  it('facts read a minute or more before the run (or not when) answer nothing', () => {
    const plan = threeNodePlan();
    const facts = runningFacts(plan);
    const now = Date.now();
    expect(answersFromFacts(plan, facts, now - 1_000, now)?.size).toBe(3);
    expect(answersFromFacts(plan, facts, now - FRESH_FACTS_MS, now)).toBeNull();
    expect(answersFromFacts(plan, facts, undefined, now)).toBeNull();
    expect(answersFromFacts(plan, undefined, now, now)).toBeNull();
  });

  it("the first server's datastore is the run's own only when fresh facts found no K3s and no data folder there", () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')]);
    const now = Date.now();
    const withServer = (k3s: Partial<HostFacts['k3s']>) => ({
      s1: makeFacts('10.0.0.1', { k3s: { ...makeFacts('10.0.0.1').k3s, ...k3s } }),
    });
    const bare = withServer({ installed: false, dataDir: false });
    expect(datastoreIsNew(spec, bare, now - 1_000, now)).toBe(true);
    // A data folder an uninstall left (or a K3s there), not known, or facts not fresh: looked at.
    expect(datastoreIsNew(spec, withServer({ installed: false, dataDir: true }), now - 1_000, now)).toBe(
      false,
    );
    expect(datastoreIsNew(spec, withServer({ installed: false, dataDir: null }), now - 1_000, now)).toBe(
      false,
    );
    expect(datastoreIsNew(spec, withServer({ installed: true, dataDir: false }), now - 1_000, now)).toBe(
      false,
    );
    expect(datastoreIsNew(spec, bare, now - FRESH_FACTS_MS, now)).toBe(false);
    expect(datastoreIsNew(spec, undefined, now, now)).toBe(false);
    // A rootless server keeps its data elsewhere.
    const rootless = makeSpec([
      node('s1', '10.0.0.1', 'server', { rootless: true }),
      node('a1', '10.0.0.2', 'agent'),
    ]);
    expect(datastoreIsNew(rootless, bare, now - 1_000, now)).toBe(false);
  });

  it('a machine the facts say is not done installs without being asked first; its retry asks again', async () => {
    const plan = threeNodePlan();
    const facts = runningFacts(plan);
    const a1 = facts.a1 as HostFacts;
    facts.a1 = { ...a1, k3s: { ...a1.k3s, configSha256: 'e'.repeat(64) } };
    let attempts = 0;
    const flaky = [{ match: INSTALL, reply: () => ({ code: ++attempts === 1 ? 1 : 0 }) }];
    const h = harness({
      plan,
      answered: answersFromFacts(plan, facts, Date.now()) ?? undefined,
      rules: { a1: flaky },
    });
    expect((await h.run.start()).status).toBe('failed');
    const asked = () =>
      h.requests.filter((r) => r.host === 'a1' && /k3s-wizard-check.*config\.yaml/.test(r.command)).length;
    expect(asked()).toBe(0);
    expect(attempts).toBe(1);
    const snapshot = await h.run.retryHost('a1');
    expect(snapshot.status).toBe('succeeded');
    expect(asked()).toBe(1);
    expect(snapshot.steps['install:a1']?.status).toBe('done');
  });

  it('never runs more steps at once than the concurrency limit', async () => {
    const plan = handPlan(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, host: id })));
    let now = 0;
    let peak = 0;
    const slow = [
      {
        match: /^work/,
        reply: async () => {
          peak = Math.max(peak, ++now);
          await new Promise((r) => setTimeout(r, 30));
          now--;
          return { code: 0 };
        },
      },
    ];
    const h = harness({
      plan,
      concurrency: 2,
      rules: Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((x) => [x, slow])),
    });
    expect((await h.run.start()).status).toBe('succeeded');
    expect(peak).toBe(2);
  });

  it('by default works on every host at once, up to 16', async () => {
    const hosts = Array.from({ length: 20 }, (_, i) => `h${i + 1}`);
    let now = 0;
    let peak = 0;
    const slow = [
      {
        match: /^work/,
        reply: async () => {
          peak = Math.max(peak, ++now);
          await new Promise((r) => setTimeout(r, 30));
          now--;
          return { code: 0 };
        },
      },
    ];
    const rules = Object.fromEntries(hosts.map((x) => [x, slow]));
    const few = harness({ plan: handPlan(hosts.slice(0, 9).map((id) => ({ id, host: id }))), rules });
    expect((await few.run.start()).concurrency).toBe(9);
    expect(peak).toBe(9);
    peak = 0;
    const many = harness({ plan: handPlan(hosts.map((id) => ({ id, host: id }))), rules });
    expect((await many.run.start()).concurrency).toBe(16);
    expect(peak).toBe(16);
  });

  it('a failed step blocks what depends on it; the others go on', async () => {
    const fail = [{ match: INSTALL, reply: { code: 1, stderr: 'boom\n' } }];
    const h = harness({ plan: threeNodePlan(), rules: { a1: fail } });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('failed');
    expect(snapshot.steps['install:a1']).toMatchObject({
      status: 'failed',
      error: { code: 'INSTALL_FAILED' },
    });
    expect(snapshot.steps['install:a1']?.error?.message).toContain('a1');
    expect(snapshot.steps['install:a2']?.status).toBe('done');
    expect(snapshot.steps['verify:cluster']).toMatchObject({ status: 'blocked', blockedBy: 'install:a1' });
    expect(types(h.events, 'verify:cluster')).toEqual(['step-blocked']);
  });

  it('retries one failed host without re-running the others', async () => {
    let attempts = 0;
    const flaky = [{ match: INSTALL, reply: () => ({ code: ++attempts === 1 ? 1 : 0 }) }];
    const h = harness({ plan: threeNodePlan(), rules: { a1: flaky } });
    expect((await h.run.start()).status).toBe('failed');
    const before = h.requests.filter((r) => r.host === 'a2').length;
    const started = order(h.events, 'step-started').length;
    const snapshot = await h.run.retryHost('a1');
    expect(snapshot.status).toBe('succeeded');
    expect(h.requests.filter((r) => r.host === 'a2').length).toBe(before);
    expect(order(h.events, 'step-started').slice(started)).toEqual(['install:a1', 'verify:cluster']);
    expect(h.events.find((e) => e.type === 'run-resumed')).toMatchObject({
      stepIds: ['install:a1', 'verify:cluster'],
    });
  });

  it('cancel interrupts the running step and launches nothing more', async () => {
    const hang = [{ match: INSTALL, delayMs: 10_000 }];
    const h = harness({ plan: threeNodePlan(), rules: { s1: hang } });
    const done = h.run.start();
    await new Promise((r) => setTimeout(r, 50));
    h.run.cancel();
    const snapshot = await done;
    expect(snapshot.status).toBe('cancelled');
    expect(snapshot.steps['install:s1']).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    expect(snapshot.steps['install:a1']?.status).toBe('pending');
    // a1 was asked, early, whether it is done already, and got its K3s not started: nothing
    // was written with the token there, nothing started.
    const onA1 = h.requests.filter((r) => r.host === 'a1');
    expect(onA1[0]?.command).toContain('k3s-wizard-check');
    expect(onA1[1]?.command).toBe('test -e /etc/rancher/node/password');
    expect(onA1.at(-2)?.command).toContain('k3s-wizard-preinstall');
    expect(onA1.at(-1)?.command).toContain('k3s-wizard-version');
    expect(onA1.some((r) => r.kind === 'write-file' || runsInstallScript(r.command))).toBe(false);
  });

  it('stops a step at its own timeout with a clear error', async () => {
    const plan = handPlan([
      { id: 'slow', timeoutMs: 80 },
      { id: 'after', dependsOn: ['slow'] },
    ]);
    const h = harness({ plan, rules: { h1: [{ match: /work slow/, delayMs: 5_000 }] } });
    const snapshot = await h.run.start();
    expect(snapshot.steps.slow).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    expect(snapshot.steps.slow?.error?.message).toMatch(/h1.*did not finish/);
    expect(snapshot.steps.after?.status).toBe('blocked');
  });

  it('stops a join as soon as the journal says the token is refused', async () => {
    const rules = [
      { match: INSTALL, delayMs: 30_000 },
      {
        match: /^journalctl/,
        reply: { stdout: 'level=error msg="failed to validate connection: token is not valid"\n' },
      },
    ];
    const h = harness({ plan: threeNodePlan(), rules: { a1: rules } });
    const t0 = Date.now();
    const snapshot = await h.run.start();
    expect(Date.now() - t0).toBeLessThan(5_000);
    const error = snapshot.steps['install:a1']?.error;
    expect(error?.code).toBe('JOIN_TOKEN_REJECTED');
    expect(error?.message).toContain('a1');
    expect(error?.lastOutput.join('\n')).toContain('token is not valid');
  });

  it('an unreachable server is given a grace period, then reported', async () => {
    const rules = [
      { match: INSTALL, delayMs: 30_000 },
      {
        match: /^journalctl/,
        reply: { stdout: 'failed to get CA certs: dial tcp 10.0.0.1:6443: connect: connection refused\n' },
      },
    ];
    const h = harness({ plan: threeNodePlan(), rules: { a2: rules } });
    const snapshot = await h.run.start();
    expect(snapshot.steps['install:a2']?.error?.code).toBe('JOIN_UNREACHABLE');
  });

  it('removes a stale node object before a reinstalled machine joins', async () => {
    const rules = [{ match: /^test -e \/etc\/rancher\/node\/password$/, reply: { code: 1 } }];
    const deleted = [{ match: /k3s-wizard-delete-node a1$/, reply: { stdout: 'node "a1" deleted\n' } }];
    const h = harness({ plan: threeNodePlan(), rules: { a1: rules, s1: deleted } });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    const del = h.requests.findIndex((r) => r.host === 's1' && r.command.includes('k3s-wizard-delete-node'));
    const install = h.requests.findIndex((r) => r.host === 'a1' && INSTALL.test(r.command));
    expect(del).toBeGreaterThan(-1);
    expect(del).toBeLessThan(install);
  });

  it('keeps secrets out of command lines, events and errors', async () => {
    const leak = [{ match: INSTALL, reply: { code: 1, stderr: `k3s said ${TOKEN}\n` } }];
    const h = harness({ plan: threeNodePlan(), rules: { a2: leak } });
    const snapshot = await h.run.start();
    const written = h.requests.filter((r) => r.kind === 'write-file' && r.host === 'a1');
    expect(written[0]?.stdin).toContain(`token: "${TOKEN}"`);
    for (const r of h.requests) expect(r.command).not.toContain(TOKEN);
    const text = JSON.stringify([h.events, snapshot]);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('S0VZLVNFQ1JFVC1EQVRB');
    expect(snapshot.steps['install:a2']?.error?.lastOutput.join('\n')).toContain('k3s said ••••••');
  });

  it('a dry run checks every step and changes nothing', async () => {
    const h = harness({ plan: threeNodePlan(), dryRun: true });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(Object.values(snapshot.steps).every((s) => s.status === 'skipped')).toBe(true);
    expect(h.requests.every((r) => r.kind === 'exec' && r.command.includes('k3s-wizard-check'))).toBe(true);
  });

  it('a lost connection is reported with its code and the host', async () => {
    const lost = [
      { match: INSTALL, fail: new AppError('CONNECTION_LOST', 'The connection to pi@10.0.0.2 was lost.') },
    ];
    const h = harness({ plan: threeNodePlan(), rules: { a1: lost } });
    const snapshot = await h.run.start();
    expect(snapshot.steps['install:a1']?.error).toMatchObject({ code: 'CONNECTION_LOST' });
    expect(snapshot.steps['install:a1']?.error?.message).toContain('a1');
  });
});
