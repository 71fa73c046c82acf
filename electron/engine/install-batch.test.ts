// Install steps send their commands in batches: few round trips, yet every action keeps its
// progress event and a failure inside a batch is still that action's.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import type { RunEvent } from '../../shared/run';
import { buildPlan, K3S_PRESENT, type Plan } from '../../shared/plan';
import { NODE_LIST_COMMAND } from './k3s';
import { makeSpec, node } from '../../test-support/shared/spec';
import {
  harness,
  type Harness,
  INSTALL,
  KUBECONFIG_TEXT,
  nodeListJson,
  threeNodePlan,
  TOKEN,
} from '../../test-support/engine/harness';

// What the verify step asks ahead on the first server (see EngineRun.askVerifyAhead).
const AHEAD = /^(check \d+ conditions at once|list the nodes)$/;
const asked = (h: ReturnType<typeof harness>, what: string) =>
  h.requests.filter((r) => r.host === 's1' && r.what === what);

function progress(events: RunEvent[], stepId: string): number[] {
  return events.flatMap((e) => (e.type === 'progress' && e.stepId === stepId ? [e.action] : []));
}

/** An air-gap plan of one server and one agent (install script and binary, no images). */
function airgapPlan() {
  const spec = makeSpec(
    [node('s1', '10.0.0.1', 'server', { arch: 'amd64' }), node('a1', '10.0.0.2', 'agent', { arch: 'amd64' })],
    { k3s: { version: 'v1.33.5+k3s1' }, install: { source: 'airgap', folder: '/srv/k3s', images: false } },
  );
  const airgap = {
    files: ['install.sh', 'k3s'],
    sha256: { 'install.sh': '1'.repeat(64), k3s: '2'.repeat(64) },
  };
  const result = buildPlan(spec, {}, { airgap });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.plan;
}

/** The plan with every wait asked again after `intervalMs`, given up after `timeoutMs`. */
function quickWaits(plan: Plan, intervalMs: number, timeoutMs: number): Plan {
  for (const step of plan.steps)
    for (const action of step.actions)
      if (action.kind === 'wait-for') {
        action.intervalMs = intervalMs;
        action.timeoutMs = timeoutMs;
      }
  return plan;
}

describe('install batches', () => {
  it('installs an agent in 2 round trips (check, then everything else) with every action reported', async () => {
    const h = harness({ plan: threeNodePlan() });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    const plan = threeNodePlan();
    for (const id of ['install:a1', 'install:a2', 'install:s1']) {
      const step = plan.steps.find((s) => s.id === id);
      expect(progress(h.events, id)).toEqual(step?.actions.map((_, i) => i));
    }
    // Already done? (with the node identity), then while the server installs one batch (disk,
    // folders, script, the binary not started, its version noted), then one with the token:
    // config, install, the version note (found done), wait.
    expect(h.runners.get('a1')?.roundTrips).toBe(3);
    expect(h.runners.get('a1')?.batches).toEqual([2, 6, 4]);
    // The config (with the token) reached the host on stdin only.
    const config = h.requests.find((r) => r.host === 'a1' && r.kind === 'write-file');
    expect(config?.stdin).toContain(TOKEN);
    expect(h.requests.every((r) => !r.command.includes(TOKEN))).toBe(true);
  });

  it('the first server asks "already done?" in front of its install, in the same round trip', async () => {
    const plan = threeNodePlan();
    const install = plan.steps.find((s) => s.id === 'install:s1');
    const cold = harness({ plan });
    expect((await cold.run.start()).steps['install:s1']?.status).toBe('done');
    // One batch: the check, then disk, folders, config, script, install, wait; each action reported.
    expect(cold.runners.get('s1')?.batches[0]).toBe((install?.actions.length ?? 0) + 1);
    expect(progress(cold.events, 'install:s1')).toEqual(install?.actions.map((_, i) => i));
    // Beside it only the verify step's read-only questions, asked ahead in case nothing changes.
    const firstOnS1 = cold.requests.filter((r) => r.host === 's1' && !AHEAD.test(r.what ?? ''));
    expect(firstOnS1[0]?.command).toContain('k3s-wizard-check');
    // Already installed: the same round trip ends after the check; nothing else runs there.
    const done = [
      { match: /config\.yaml.*k3s-wizard-check|k3s-wizard-check.*config\.yaml/, reply: { code: 0 } },
    ];
    const again = harness({ plan: threeNodePlan(), rules: { s1: done } });
    const snapshot = await again.run.start();
    expect(snapshot.steps['install:s1']?.status).toBe('skipped');
    expect(progress(again.events, 'install:s1')).toEqual([]);
    expect(again.requests.some((r) => r.host === 's1' && /k3s-wizard-space|install -d/.test(r.command))).toBe(
      false,
    );
    // A failure after the check is still the failing action's.
    const full = [
      { match: /k3s-wizard-space/, reply: { code: 28, stderr: 'k3s-wizard: disk full: 12 MiB free\n' } },
    ];
    const failing = harness({ plan: threeNodePlan(), rules: { s1: full } });
    const failed = (await failing.run.start()).steps['install:s1'];
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.message).toMatch(/disk/i);
    expect(progress(failing.events, 'install:s1')).toEqual([0]);
  });

  it('names the action that failed inside a batch, with its exit code, and runs nothing after it', async () => {
    const full = [
      { match: /k3s-wizard-space/, reply: { code: 28, stderr: 'k3s-wizard: disk full: 12 MiB free\n' } },
    ];
    const h = harness({ plan: threeNodePlan(), rules: { a1: full } });
    const snapshot = await h.run.start();
    const failed = snapshot.steps['install:a1'];
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.message).toMatch(/disk/i);
    expect(progress(h.events, 'install:a1')).toEqual([0]);
    expect(
      h.requests.some((r) => r.host === 'a1' && (INSTALL.test(r.command) || r.kind === 'write-file')),
    ).toBe(false);
    expect(snapshot.steps['install:a2']?.status).toBe('done');
  });

  it('an install script that fails in a batch is an install failure of that step', async () => {
    const broken = [{ match: INSTALL, reply: { code: 1, stderr: 'Job for k3s-agent.service failed\n' } }];
    const h = harness({ plan: threeNodePlan(), rules: { a2: broken } });
    const snapshot = await h.run.start();
    expect(snapshot.steps['install:a2']).toMatchObject({
      status: 'failed',
      error: { code: 'INSTALL_FAILED' },
    });
    const plan = threeNodePlan().steps.find((s) => s.id === 'install:a2');
    const at = plan?.actions.findIndex((a) => a.kind === 'exec' && INSTALL.test(a.command)) ?? -1;
    expect(progress(h.events, 'install:a2').at(-1)).toBe(at);
  });

  it('waits as before when the first try after the install says "not yet"', async () => {
    let tries = 0;
    const slow = [
      {
        match: /k3s-wizard-check k3s-agent\b/,
        reply: () => ({ code: ++tries < 3 ? 3 : 0 }),
      },
    ];
    const plan = threeNodePlan();
    for (const step of plan.steps)
      for (const action of step.actions) if (action.kind === 'wait-for') action.intervalMs = 10;
    const h = harness({ plan, rules: { a1: slow } });
    const snapshot = await h.run.start();
    expect(snapshot.steps['install:a1']?.status).toBe('done');
    expect(tries).toBe(3);
    const last = (plan.steps.find((s) => s.id === 'install:a1')?.actions.length ?? 0) - 1;
    // The wait is reported when the batch reaches it and again when it goes on waiting.
    expect(progress(h.events, 'install:a1').slice(-2)).toEqual([last, last]);
  });
});

describe('waits in a row', () => {
  it('tries every node Ready (one node list, not a kubectl per node) and DNS at once; only a wait not met yet goes on by itself', async () => {
    let ready = 0;
    const plan = threeNodePlan();
    for (const step of plan.steps)
      for (const action of step.actions) if (action.kind === 'wait-for') action.intervalMs = 10;
    const notYet = 'k3s-wizard: not Ready: a2 (listed as a2, Ready: False)\n';
    const h = harness({
      plan,
      rules: {
        s1: [
          // The first tries side by side: every node Ready (not yet), DNS (met).
          {
            match: /k3s-wizard-waits/,
            reply: { code: 0, stdout: 'k3s-wizard-wait 1 0\nk3s-wizard-wait 0 1\n' },
          },
          {
            match: /k3s-wizard-ready/,
            reply: () => (++ready < 2 ? { code: 1, stderr: notYet } : { code: 0 }),
          },
        ],
      },
    });
    const snapshot = await h.run.start();
    expect(snapshot.steps['verify:cluster']?.status).toBe('done');
    const verify = plan.steps.find((s) => s.id === 'verify:cluster');
    const s1 = h.requests.filter((r) => r.host === 's1');
    // Asked ahead at the start (a re-run is possible) and, the server being installed in this
    // run, not used: the step's own first try comes after the install.
    expect(s1.filter((r) => r.command.includes('k3s-wizard-waits'))).toHaveLength(2);
    const first = s1.findLastIndex((r) => r.command.includes('k3s-wizard-waits'));
    const installed = h.events.findIndex((e) => e.type === 'step-finished' && e.stepId === 'install:s1');
    const verifyStarted = h.events.findIndex(
      (e) => e.type === 'step-started' && e.stepId === 'verify:cluster',
    );
    expect(installed).toBeGreaterThanOrEqual(0);
    expect(verifyStarted).toBeGreaterThan(installed);
    expect(s1[first]?.at).toBeGreaterThanOrEqual(Date.parse(h.events[verifyStarted]?.time ?? ''));
    expect(s1[first]?.command).toContain('k3s-wizard-ready');
    expect(s1[first]?.command).toContain('rollout status');
    // One check for every node: the node list is read once per try, not once per node.
    expect(s1[first]?.command.match(/kubectl get nodes/g)).toHaveLength(1);
    // After the one round trip, only the node check goes on, by itself, until it is met.
    const after = s1.slice(first + 1).filter((r) => /k3s-wizard-ready|rollout status/.test(r.command));
    expect(after.map((r) => /k3s-wizard-ready/.test(r.command) && !/rollout status/.test(r.command))).toEqual(
      [true, true],
    );
    expect(ready).toBe(2);
    expect(progress(h.events, 'verify:cluster')).toEqual(verify?.actions.map((_, i) => i));
    // What the try said was not Ready yet is in the step's output.
    const output = h.events.flatMap((e) =>
      e.type === 'output' && e.stepId === 'verify:cluster' ? e.lines : [],
    );
    expect(output).toContain(notYet.trim());
  });

  it('names exactly the nodes that never became Ready', async () => {
    const plan = quickWaits(threeNodePlan(), 5, 1000);
    const h = harness({
      plan,
      rules: {
        s1: [
          {
            match: (c) => c.includes('k3s-wizard-ready') && !c.includes('k3s-wizard-waits'),
            reply: {
              code: 1,
              stderr: 'k3s-wizard: not Ready: a2 (listed as a2, Ready: False)\n',
            },
          },
        ],
      },
    });
    const snapshot = await h.run.start();
    const failed = snapshot.steps['verify:cluster'];
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.code).toBe('NODE_NOT_READY');
    expect(failed?.error?.message).toBe(
      's1: 1 of 3 nodes did not become Ready within 1 s: a2 (listed as a2, Ready: False). Look at each one’s K3s journal (journalctl -u k3s-agent on an agent, -u k3s on a server).',
    );
  });

  describe('after an install: the flow test starts beside the first try, the node list once the waits are met', () => {
    const stepStart = (h: Harness) =>
      Date.parse(
        h.events.find((e) => e.type === 'step-started' && e.stepId === 'verify:cluster')?.time ?? '',
      );
    const lists = (h: Harness) =>
      h.requests.filter((r) => r.host === 's1' && r.command === NODE_LIST_COMMAND && r.at >= stepStart(h));
    const waitsTries = (h: Harness) =>
      h.requests.filter((r) => r.host === 's1' && /k3s-wizard-ready/.test(r.command) && r.at >= stepStart(h));
    const metAtOnce = {
      match: /k3s-wizard-waits/,
      reply: { stdout: 'k3s-wizard-wait 0 0\nk3s-wizard-wait 1 0\n' },
    };
    /** A flow test that says when it was asked and when it was told it may bind. */
    function heldFlows() {
      const seen = { askedAt: 0, boundAt: 0, refused: null as unknown };
      const testFlows = (_signal: AbortSignal, _onClosed?: unknown, bindWhen?: Promise<unknown>) => {
        seen.askedAt = Date.now();
        if (!bindWhen) return Promise.resolve({ results: [], blocked: null });
        return bindWhen.then(
          () => ((seen.boundAt = Date.now()), { results: [], blocked: null }),
          (e: unknown) => {
            seen.refused = e;
            throw e;
          },
        );
      };
      return { seen, testFlows };
    }
    const fastWaits = (plan: Plan, timeoutMs = 60_000) => quickWaits(plan, 10, timeoutMs);

    it('every wait met at that try: the listeners bind after it, and the one node list is read after it too', async () => {
      const flows = heldFlows();
      const h = harness({
        plan: threeNodePlan(),
        rules: { s1: [{ ...metAtOnce, delayMs: 100 }] },
        services: { testFlows: flows.testFlows },
      });
      const snapshot = await h.run.start();
      expect(snapshot.status).toBe('succeeded');
      expect(lists(h)).toHaveLength(1);
      const [tryAt] = waitsTries(h).map((r) => r.at);
      // Not beside the try: its kubectl would slow the try's own down on the first server.
      expect((lists(h)[0]?.at ?? 0) - (tryAt as number)).toBeGreaterThanOrEqual(90);
      expect(flows.seen.askedAt).toBeLessThanOrEqual(tryAt as number);
      // The try answers after 100 ms: the listeners were held until then.
      expect(flows.seen.boundAt - (tryAt as number)).toBeGreaterThanOrEqual(90);
      const checked = h.events.find((e) => e.type === 'cluster-checked');
      expect(checked?.type === 'cluster-checked' && checked.nodes.every((n) => n.ready)).toBe(true);
    });

    it('a node listed not Ready after the waits: listed again; a wait not met at the first try: listed once, after the last', async () => {
      const notReady = JSON.parse(nodeListJson(['s1', 'a1', 'a2'])) as {
        items: { status: { conditions: { status: string }[] } }[];
      };
      (notReady.items[2] as (typeof notReady.items)[0]).status.conditions[0] = {
        type: 'Ready',
        status: 'False',
      } as never;
      let listed = 0;
      const h = harness({
        plan: threeNodePlan(),
        rules: {
          s1: [
            metAtOnce,
            {
              match: (c) => c === NODE_LIST_COMMAND,
              reply: () => ({
                stdout: ++listed <= 1 ? JSON.stringify(notReady) : nodeListJson(['s1', 'a1', 'a2']),
              }),
            },
          ],
        },
      });
      expect((await h.run.start()).status).toBe('succeeded');
      // The list that showed a2 not Ready, then the one the step keeps.
      expect(listed).toBe(2);
      const checked = h.events.find((e) => e.type === 'cluster-checked');
      expect(checked?.type === 'cluster-checked' && checked.nodes.every((n) => n.ready)).toBe(true);

      let tries = 0;
      const plan = fastWaits(threeNodePlan());
      const later = harness({
        plan,
        rules: {
          s1: [
            { match: /k3s-wizard-waits/, reply: { stdout: 'k3s-wizard-wait 0 1\nk3s-wizard-wait 1 0\n' } },
            {
              match: (c) => c.includes('k3s-wizard-ready') && !c.includes('k3s-wizard-waits'),
              reply: () => ({ code: ++tries < 2 ? 1 : 0 }),
            },
          ],
        },
      });
      expect((await later.run.start()).status).toBe('succeeded');
      const [after] = lists(later);
      expect(lists(later)).toHaveLength(1);
      const lastTry = waitsTries(later).at(-1)?.at ?? Infinity;
      expect(after?.at).toBeGreaterThanOrEqual(lastTry);
    });

    it('waits never met: the held listeners are told so and never bind', async () => {
      const flows = heldFlows();
      const h = harness({
        plan: fastWaits(threeNodePlan(), 200),
        rules: {
          s1: [
            {
              match: (c) => c.includes('k3s-wizard-ready'),
              reply: { code: 1, stderr: 'k3s-wizard: not Ready: a2 (listed as a2, Ready: False)\n' },
            },
          ],
        },
        services: { testFlows: flows.testFlows },
      });
      const snapshot = await h.run.start();
      expect(snapshot.steps['verify:cluster']?.error?.code).toBe('NODE_NOT_READY');
      expect(flows.seen.askedAt).toBeGreaterThan(0);
      expect(flows.seen.boundAt).toBe(0);
      expect(flows.seen.refused).toBeInstanceOf(AppError);
    });
  });
});

describe('early checks', () => {
  it('asks the agents "already done?" and fetches their K3s while the server installs, then starts them in one round trip', async () => {
    const slowServer = [{ match: INSTALL, delayMs: 150 }];
    const h = harness({ plan: threeNodePlan(), rules: { s1: slowServer } });
    expect((await h.run.start()).status).toBe('succeeded');
    const at = (host: string, test: (command: string) => boolean) =>
      h.requests.findIndex((r) => r.host === host && test(r.command));
    const serverInstalled = at('s1', (c) => INSTALL.test(c));
    const tokenRead = at('s1', (c) => c.includes('/var/lib/rancher/k3s/server/token'));
    for (const agent of ['a1', 'a2']) {
      const checked = at(agent, (c) => c.includes('k3s-wizard-check'));
      expect(checked).toBeGreaterThanOrEqual(0);
      expect(checked).toBeLessThan(serverInstalled);
      // Its binary, not started, came before the server was up; the config and start after.
      const fetched = at(agent, (c) => c.includes('k3s-wizard-preinstall'));
      expect(h.requests[fetched]?.command).toContain('INSTALL_K3S_SKIP_START=true');
      expect(fetched).toBeGreaterThanOrEqual(0);
      expect(fetched).toBeLessThan(tokenRead);
      const config = h.requests.findIndex((r) => r.host === agent && r.kind === 'write-file');
      expect(config).toBeGreaterThan(tokenRead);
      expect(h.runners.get(agent)?.roundTrips).toBe(3);
    }
    // Its step started only once the token was there.
    const started = h.events.find((e) => e.type === 'step-started' && e.stepId === 'install:a1');
    const token = h.events.find((e) => e.type === 'step-finished' && e.stepId === 'credentials:token');
    expect(started && token && started.seq > token.seq).toBe(true);
  });
});

describe('a joining machine prepared while the server installs', () => {
  it('a failed fetch fails its step, named, with its output, after its token; the retry fetches again and joins', async () => {
    let fetches = 0;
    const offline = [
      {
        match: /k3s-wizard-preinstall/,
        reply: () =>
          ++fetches === 1
            ? { code: 1, stderr: 'curl: (6) Could not resolve host: mirror.example\n' }
            : { code: 0, stdout: '[INFO]  Downloading binary\n' },
      },
    ];
    const h = harness({ plan: threeNodePlan(), rules: { a1: offline } });
    const first = await h.run.start();
    const failed = first.steps['install:a1'];
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.message).toContain('a1');
    expect(failed?.error?.lastOutput.join('\n')).toContain('Could not resolve host');
    // Said as the step's own, from its first action to the one that failed, nothing after it.
    const step = threeNodePlan().steps.find((s) => s.id === 'install:a1');
    const failedAt = step?.actions.findIndex(
      (a) => a.kind === 'exec' && a.command.includes('k3s-wizard-preinstall'),
    );
    expect(progress(h.events, 'install:a1')).toEqual(
      step?.actions.slice(0, (failedAt ?? 0) + 1).map((_, i) => i),
    );
    expect(h.requests.some((r) => r.host === 'a1' && r.kind === 'write-file')).toBe(false);
    expect(first.steps['install:a2']?.status).toBe('done');
    // The retry asks and fetches again (nothing of the first pass is reused), then joins.
    const again = await h.run.retryHost('a1');
    expect(again.steps['install:a1']?.status).toBe('done');
    expect(fetches).toBe(2);
    expect(h.requests.filter((r) => r.host === 'a1' && r.kind === 'write-file')).toHaveLength(1);
  });

  it('air-gap: a binary that fails its check while the server installs fails the step, named, after its token; the retry copies and places it again', async () => {
    let places = 0;
    const rules = [
      { match: (c: string) => c === K3S_PRESENT, reply: { code: 1 } },
      { match: /k3s-wizard-same/, reply: { code: 1 } },
      {
        match: /k3s-wizard-place \S+ \/usr\/local\/bin\/k3s /,
        reply: () =>
          ++places === 1 ? { code: 3, stderr: 'checksum mismatch: /usr/local/bin/k3s\n' } : { code: 0 },
      },
    ];
    const plan = airgapPlan();
    const h = harness({ plan, rules: { a1: rules } });
    const first = await h.run.start();
    const failed = first.steps['install:a1'];
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.lastOutput.join('\n')).toContain('checksum mismatch');
    const step = plan.steps.find((st) => st.id === 'install:a1');
    const failedAt = step?.actions.findIndex(
      (a) => a.kind === 'upload' && a.remotePath === '/usr/local/bin/k3s',
    );
    // Each action said once as it started (the copies' byte counts aside), up to the one that failed.
    const said = h.events.flatMap((e) =>
      e.type === 'progress' && e.stepId === 'install:a1' && e.transferred === undefined ? [e.action] : [],
    );
    expect(said).toEqual(step?.actions.slice(0, (failedAt ?? 0) + 1).map((_, n) => n));
    // Nothing after it: no settings, no install.
    expect(h.requests.some((r) => r.host === 'a1' && r.kind === 'write-file')).toBe(false);
    const again = await h.run.retryHost('a1');
    expect(again.steps['install:a1']?.status).toBe('done');
    expect(places).toBe(2);
    expect(h.requests.filter((r) => r.host === 'a1' && r.kind === 'upload').length).toBeGreaterThanOrEqual(4);
  });

  it('nothing is prepared on a machine that says it is done', async () => {
    const done = [{ match: /k3s-wizard-check.*config\.yaml/, reply: { code: 0 } }];
    const h = harness({ plan: threeNodePlan(), rules: { a1: done } });
    expect((await h.run.start()).status).toBe('succeeded');
    expect(
      h.requests.some((r) => r.host === 'a1' && /k3s-wizard-space|k3s-wizard-preinstall/.test(r.command)),
    ).toBe(false);
    expect(h.requests.some((r) => r.host === 'a2' && r.command.includes('k3s-wizard-preinstall'))).toBe(true);
  });
});

describe('the join token on a re-run', () => {
  const done = [{ match: /k3s-wizard-check.*config\.yaml/, reply: { code: 0 } }];
  const readsToken = (h: ReturnType<typeof harness>) =>
    h.requests.filter((r) => r.command.includes('/var/lib/rancher/k3s/server/token'));

  it('is not read when every machine that joins with it is already done', async () => {
    const h = harness({
      plan: threeNodePlan(),
      rules: { s1: done, a1: done, a2: done },
      services: { saveKubeconfig: () => Promise.resolve({ path: '/k', changed: false }) },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.steps['credentials:token']).toMatchObject({
      status: 'skipped',
      skipReason: 'not-needed',
    });
    expect(readsToken(h)).toEqual([]);
    for (const id of ['install:a1', 'install:a2'])
      expect(snapshot.steps[id]).toMatchObject({ status: 'skipped', skipReason: 'done' });
    expect(snapshot.changed).toBe(false);
  });

  it('is read as soon as one of them needs it, and that one joins with it', async () => {
    // a2 answers "already done?" slowly: a1's "no" is enough to read the token.
    const slow = [{ match: /k3s-wizard-check.*config\.yaml/, delayMs: 300, reply: { code: 0 } }];
    const h = harness({ plan: threeNodePlan(), rules: { s1: done, a2: slow } });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.steps['credentials:token']?.status).toBe('done');
    expect(readsToken(h)).toHaveLength(1);
    const read = h.events.find((e) => e.type === 'step-finished' && e.stepId === 'credentials:token');
    const a2Checked = h.requests.find((r) => r.host === 'a2' && r.command.includes('k3s-wizard-check'));
    expect(read && a2Checked && Date.parse(read.time) < a2Checked.at + 300).toBe(true);
    expect(snapshot.steps['install:a1']?.status).toBe('done');
    expect(snapshot.steps['install:a2']).toMatchObject({ status: 'skipped', skipReason: 'done' });
    const config = h.requests.find((r) => r.host === 'a1' && r.kind === 'write-file');
    expect(config?.stdin).toContain(TOKEN);
  });

  it('is read when a machine that joins has a step of its own before (its answer could change)', async () => {
    const plan = threeNodePlan();
    const a1 = plan.steps.find((s) => s.id === 'install:a1');
    plan.steps.unshift({
      id: 'prepare:a1:cgroup',
      phase: 'prepare',
      host: 'a1',
      title: 'Prepare a1',
      actions: [{ kind: 'exec', command: 'true', sudo: true, what: 'prepare' }],
      secrets: [],
      alreadyDone: null,
      timeoutMs: 60_000,
      dependsOn: [],
      notes: [],
    });
    a1?.dependsOn.push('prepare:a1:cgroup');
    const h = harness({ plan, rules: { s1: done, a1: done, a2: done } });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.steps['credentials:token']?.status).toBe('done');
    expect(readsToken(h)).toHaveLength(1);
  });
});

describe('air-gap uploads', () => {
  it('compares every file with the copy, copies only what differs, and places it in the batch', async () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server', { arch: 'amd64' })], {
      k3s: { version: 'v1.33.5+k3s1' },
      install: { source: 'airgap', folder: '/srv/k3s', images: true },
    });
    const sha = (n: number) => String(n).repeat(64);
    const airgap = {
      files: ['install.sh', 'k3s', 'k3s-airgap-images-amd64.tar.zst'],
      sha256: { 'install.sh': sha(1), k3s: sha(2), 'k3s-airgap-images-amd64.tar.zst': sha(3) },
    };
    const result = buildPlan(spec, {}, { airgap });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    // The host has the install script already; the binary and the images are new.
    const there = [
      { match: /k3s-wizard-same \/var\/lib\/k3s-wizard\/install\.sh/, reply: { code: 0 } },
      { match: /k3s-wizard-same/, reply: { code: 1 } },
    ];
    const h = harness({ plan: result.plan, rules: { s1: there } });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    const sent = h.requests.filter((r) => r.kind === 'upload').map((r) => r.command.split(' ')[1]);
    expect(sent.sort()).toEqual(['/srv/k3s/k3s', '/srv/k3s/k3s-airgap-images-amd64.tar.zst']);
    const placed = h.requests.filter((r) => r.command.includes('k3s-wizard-place'));
    expect(placed.map((r) => r.command)).toEqual([
      expect.stringContaining(`/usr/local/bin/k3s 0755 ${sha(2)}`),
      expect.stringContaining(`k3s-airgap-images-amd64.tar.zst 0644 ${sha(3)}`),
    ]);
    expect(snapshot.steps['install:s1']?.output.join('\n')).toContain(
      'already on s1 with the same sha256: /var/lib/k3s-wizard/install.sh',
    );
    const copied = h.events.filter((e) => e.type === 'progress' && e.total !== undefined);
    expect(copied.map((e) => (e.type === 'progress' ? e.what : ''))).toEqual([
      'copy the K3s binary for amd64 (k3s)',
      'copy the system images (k3s-airgap-images-amd64.tar.zst)',
    ]);
    // Each file compared within the copy's round trip, then one batch with every action of the step.
    const compared = h.requests.filter((r) => r.command.includes('k3s-wizard-same'));
    expect(compared.map((r) => /k3s-wizard-same '?([^' ]+)/.exec(r.command)?.[1])).toEqual([
      '/var/lib/k3s-wizard/install.sh',
      '/usr/local/bin/k3s',
      '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst',
    ]);
    const install = result.plan.steps.find((s) => s.id === 'install:s1');
    expect(h.runners.get('s1')?.batches[0]).toBe(install?.actions.length);
  });

  it("copies a joining machine's files and puts them in place while the server installs, as soon as it said it is not done", async () => {
    const result = { plan: airgapPlan() };
    const differ = [{ match: /k3s-wizard-same/, reply: { code: 1 } }];
    // a1 has no K3s yet (the early part's first question).
    const noK3s = [{ match: (c: string) => c === K3S_PRESENT, reply: { code: 1 } }];
    // The server's install lasts until a1's copies are done (5 s at most: then the order below fails).
    const copiesOfA1 = () => h.requests.filter((r) => r.host === 'a1' && r.kind === 'upload').length;
    const slowServer = [
      {
        match: / sh \/var\/lib\/k3s-wizard\/install\.sh/,
        reply: async () => {
          for (let waited = 0; copiesOfA1() < 2 && waited < 5_000; waited += 10)
            await new Promise((resolve) => setTimeout(resolve, 10));
          return { code: 0 };
        },
      },
    ];
    const h: Harness = harness({
      plan: result.plan,
      rules: { s1: [...slowServer, ...differ], a1: [...noK3s, ...differ] },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    const at = (type: string, id: string) =>
      Date.parse(h.events.find((e) => e.type === type && 'stepId' in e && e.stepId === id)?.time ?? '');
    // In the order the machines were asked: copied, then put in place and the binary's version
    // noted, before the token was read (the server still installing); the settings and the
    // install after it.
    const index = (pick: (r: (typeof h.requests)[number]) => boolean, requests = h.requests) =>
      requests.flatMap((r, i) => (pick(r) ? [i] : []));
    const tokenAt = (requests = h.requests) =>
      index((r) => r.host === 's1' && /server\/token$/.test(r.command), requests)[0] as number;
    const placedOn = (requests = h.requests) =>
      index((r) => r.host === 'a1' && r.command.includes('k3s-wizard-place'), requests);
    const tokenRead = tokenAt();
    const copies = index((r) => r.host === 'a1' && r.kind === 'upload');
    const placed = placedOn();
    const noted = index((r) => r.host === 'a1' && r.command.includes('k3s-wizard-version'));
    const installed = index(
      (r) => r.host === 'a1' && / sh \/var\/lib\/k3s-wizard\/install\.sh/.test(r.command),
    );
    expect(tokenRead).toBeDefined();
    expect(copies).toHaveLength(2);
    expect(placed).toHaveLength(2);
    for (const copy of copies) expect(copy).toBeLessThan(Math.min(...placed));
    for (const place of [...placed, noted[0] as number]) expect(place).toBeLessThan(tokenRead);
    expect(installed).toHaveLength(1);
    expect(installed[0]).toBeGreaterThan(tokenRead);
    // Noted early; the note after the install is the same command (on a machine it finds it done).
    expect(noted.length).toBeGreaterThanOrEqual(1);
    // Every action of the step said, once, on the step.
    const actions = result.plan.steps.find((st) => st.id === 'install:a1')?.actions.length ?? 0;
    expect(new Set(progress(h.events, 'install:a1'))).toEqual(
      new Set(Array.from({ length: actions }, (_, i) => i)),
    );
    // A machine with K3s already keeps its binary until its own turn: placed after the token.
    const kept = harness({ plan: result.plan, rules: { s1: [...slowServer, ...differ], a1: differ } });
    expect((await kept.run.start()).status).toBe('succeeded');
    for (const place of placedOn(kept.requests)) expect(place).toBeGreaterThan(tokenAt(kept.requests));
    expect(h.requests[copies[0] as number]?.at).toBeLessThanOrEqual(at('step-started', 'install:a1'));
    // Progress for each copy, on the agent's step.
    const copied = h.events.filter(
      (e) => e.type === 'progress' && e.stepId === 'install:a1' && e.total !== undefined,
    );
    expect(copied.length).toBeGreaterThanOrEqual(2);
    // A file the agent had already is said in its step's output, though it was compared early.
    const had = [
      { match: /k3s-wizard-same \/var\/lib\/k3s-wizard\/install\.sh/, reply: { code: 0 } },
      ...differ,
    ];
    const partly = harness({ plan: result.plan, rules: { s1: differ, a1: had } });
    const partlySnapshot = await partly.run.start();
    expect(partlySnapshot.steps['install:a1']?.output.join('\n')).toContain(
      'already on a1 with the same sha256: /var/lib/k3s-wizard/install.sh',
    );
    // Already installed: nothing is copied.
    const done = [
      { match: /config\.yaml.*k3s-wizard-check|k3s-wizard-check.*config\.yaml/, reply: { code: 0 } },
    ];
    const again = harness({
      plan: result.plan,
      rules: { s1: [...done, ...differ], a1: [...done, ...differ] },
    });
    expect((await again.run.start()).status).toBe('succeeded');
    expect(again.requests.filter((r) => r.kind === 'upload')).toEqual([]);
  });
});

describe('after the install', () => {
  it('a unit not running yet right after the install is asked again within about a second', async () => {
    let tries = 0;
    const late = [{ match: /k3s-wizard-check k3s-agent\b/, reply: () => ({ code: ++tries < 3 ? 3 : 0 }) }];
    const h = harness({ plan: threeNodePlan(), rules: { a1: late } });
    const snapshot = await h.run.start();
    expect(tries).toBe(3);
    expect(snapshot.steps['install:a1']?.durationMs).toBeLessThan(2500);
  });
});

describe('stale node objects', () => {
  const noIdentity = [{ match: /^test -e \/etc\/rancher\/node\/password$/, reply: { code: 1 } }];

  it('machines without their node identity: the server lists its nodes once for all of them; only a listed name is removed', async () => {
    const h = harness({
      plan: threeNodePlan(),
      rules: {
        a1: noIdentity,
        a2: noIdentity,
        // a1 is still listed (a reinstalled machine); a2 never joined.
        s1: [
          {
            match: /^\/usr\/local\/bin\/k3s kubectl get nodes -o json$/,
            reply: { stdout: nodeListJson(['s1', 'a1']) },
          },
        ],
      },
    });
    expect((await h.run.start()).status).toBe('succeeded');
    const s1 = h.requests.filter((r) => r.host === 's1');
    const listed = asked(h, 'list the nodes the server knows');
    const removals = s1.filter((r) => r.command.includes('k3s-wizard-delete-node'));
    // One list for both machines before they start.
    expect(listed).toHaveLength(1);
    expect(listed[0]?.command).toBe('/usr/local/bin/k3s kubectl get nodes -o json');
    expect(removals.map((r) => r.command)).toEqual([expect.stringMatching(/k3s-wizard-delete-node a1$/)]);
    const serverDone = h.events.findIndex((e) => e.type === 'step-finished' && e.stepId === 'install:s1');
    expect(s1.indexOf(listed[0]!)).toBeLessThan(s1.indexOf(removals[0]!));
    expect(serverDone).toBeGreaterThanOrEqual(0);
  });

  it('a datastore the run created holds no older node: the machines start without that look', async () => {
    const h = harness({
      plan: threeNodePlan(),
      newDatastore: true,
      rules: { a1: noIdentity, a2: noIdentity },
    });
    expect((await h.run.start()).status).toBe('succeeded');
    expect(asked(h, 'list the nodes the server knows')).toEqual([]);
    expect(h.requests.filter((r) => r.command.includes('k3s-wizard-delete-node'))).toEqual([]);
    // Each machine still asked whether it has its identity, and joined.
    expect(h.requests.filter((r) => r.command === 'test -e /etc/rancher/node/password')).toHaveLength(2);
    expect(
      h.events.filter((e) => e.type === 'step-finished' && e.stepId.startsWith('install:a')),
    ).toHaveLength(2);
    // Nor are the verify step's checks asked ahead, as for a run that may change nothing: the
    // server has no cluster yet, so the first of them comes after its install.
    const installed = h.requests.findIndex((r) => r.host === 's1' && /install\.sh/.test(r.command));
    const verifyAsked = h.requests.findIndex(
      (r) => r.host === 's1' && (r.command.includes('k3s-wizard-waits') || r.command === NODE_LIST_COMMAND),
    );
    expect(installed).toBeGreaterThanOrEqual(0);
    expect(verifyAsked).toBeGreaterThan(installed);
  });
});

describe('a run that changes nothing', () => {
  const allDone = [
    { match: /config\.yaml.*k3s-wizard-check|k3s-wizard-check.*config\.yaml/, reply: { code: 0 } },
  ];
  // The verify step waits for the kubeconfig (it lists the nodes from here with it).
  const slowKubeconfig = {
    match: /^cat -- \/etc\/rancher\/k3s\/k3s\.yaml$/,
    delayMs: 150,
    reply: { stdout: `${KUBECONFIG_TEXT}\n` },
  };
  const waitsOf = (h: ReturnType<typeof harness>) =>
    h.requests.filter((r) => r.host === 's1' && r.command.includes('k3s-wizard-waits'));
  const listsOf = (h: ReturnType<typeof harness>) =>
    h.requests.filter((r) => r.host === 's1' && r.command === NODE_LIST_COMMAND);
  const allMet = {
    match: /k3s-wizard-waits/,
    reply: { stdout: 'k3s-wizard-wait 0 0\nk3s-wizard-wait 1 0\n' },
  };
  const verifyStart = (h: ReturnType<typeof harness>) =>
    Date.parse(h.events.find((e) => e.type === 'step-started' && e.stepId === 'verify:cluster')?.time ?? '');

  it("asks the verify step's first tries ahead, beside the steps still running, and uses that answer", async () => {
    let flowsAskedAt = 0;
    const h = harness({
      plan: threeNodePlan(),
      rules: { s1: [slowKubeconfig, ...allDone], a1: allDone, a2: allDone },
      services: {
        saveKubeconfig: ({ contextName }) =>
          Promise.resolve({ path: `/home/me/.kube/${contextName}`, changed: false }),
        testFlows: () => {
          flowsAskedAt = Date.now();
          return Promise.resolve({ results: [], blocked: null });
        },
      },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.changed).toBe(false);
    // Once, and before the verify step started (while the kubeconfig was still being read).
    expect(waitsOf(h)).toHaveLength(1);
    expect(waitsOf(h)[0]?.at).toBeLessThan(verifyStart(h));
    expect(flowsAskedAt).toBeLessThan(verifyStart(h));
    expect(snapshot.steps['verify:cluster']?.status).toBe('done');
  });

  it('after a change, nothing asked ahead is used: the checks come after the install, as the step runs them', async () => {
    let flowsAskedAt = 0;
    const h = harness({
      plan: threeNodePlan(),
      rules: { s1: [slowKubeconfig, ...allDone, allMet], a1: allDone },
      services: {
        testFlows: () => {
          flowsAskedAt = Date.now();
          return Promise.resolve({ results: [], blocked: null });
        },
      },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    // The server said "already done", so its waits and node list were asked at once; a2 then
    // installed, so the step asked both again, after that install.
    const installed = Date.parse(
      h.events.find((e) => e.type === 'step-finished' && e.stepId === 'install:a2')?.time ?? '',
    );
    expect(waitsOf(h)).toHaveLength(2);
    expect(waitsOf(h)[1]?.at).toBeGreaterThanOrEqual(verifyStart(h));
    expect(listsOf(h).at(-1)?.at).toBeGreaterThanOrEqual(installed);
    // The flow test waits for every machine's own answer: a2 was not done, so not ahead.
    expect(flowsAskedAt).toBeGreaterThanOrEqual(verifyStart(h));
  });

  it('the node list taken beside the waits ahead is the final list only when every wait was met', async () => {
    const run = async (waitsReply: string) => {
      const h = harness({
        plan: threeNodePlan(),
        rules: {
          s1: [slowKubeconfig, ...allDone, { match: /k3s-wizard-waits/, reply: { stdout: waitsReply } }],
          a1: allDone,
          a2: allDone,
        },
        services: {
          saveKubeconfig: ({ contextName }) =>
            Promise.resolve({ path: `/home/me/.kube/${contextName}`, changed: false }),
        },
      });
      const snapshot = await h.run.start();
      expect(snapshot.status).toBe('succeeded');
      return { h, snapshot };
    };
    const met = await run('k3s-wizard-wait 0 0\nk3s-wizard-wait 1 0\n');
    expect(waitsOf(met.h)).toHaveLength(1);
    // Asked at the start, beside the first server's own check, not after it.
    const order = met.h.requests.filter((r) => r.host === 's1').map((r) => r.what ?? r.kind);
    expect(order.indexOf('check 2 conditions at once')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('check 2 conditions at once')).toBeLessThan(
      order.findIndex((w) => w.startsWith('Install K3s')),
    );
    // One list, asked ahead, used for the cluster check.
    expect(listsOf(met.h)).toHaveLength(1);
    expect(listsOf(met.h)[0]?.at).toBeLessThan(verifyStart(met.h));
    expect(met.h.events.some((e) => e.type === 'cluster-checked' && e.nodes.length === 3)).toBe(true);
    // CoreDNS not rolled out yet at that try: the list is taken again once the waits pass.
    const notYet = await run('k3s-wizard-wait 0 0\nk3s-wizard-wait 1 1\n');
    expect(listsOf(notYet.h)).toHaveLength(2);
    expect(listsOf(notYet.h)[1]?.at).toBeGreaterThanOrEqual(verifyStart(notYet.h));
  });

  // A flow test that answers after `ms` (later ones after 10 ms), or stops when its signal
  // aborts; its listeners are gone 20 ms after it ended.
  function fakeFlows(ms: number) {
    const calls: { at: number; stoppedAt: number | null; closedAt: number | null }[] = [];
    const testFlows = (signal: AbortSignal, onClosed?: (closed: Promise<void>) => void) => {
      const call = { at: Date.now(), stoppedAt: null as number | null, closedAt: null as number | null };
      calls.push(call);
      const over = () =>
        onClosed?.(
          new Promise<void>((resolve) => setTimeout(() => ((call.closedAt = Date.now()), resolve()), 20)),
        );
      return new Promise<{ results: []; blocked: null }>((resolve, reject) => {
        const timer = setTimeout(
          () => (over(), resolve({ results: [], blocked: null })),
          calls.length === 1 ? ms : 10,
        );
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          call.stoppedAt = Date.now();
          over();
          reject(new AppError('CANCELLED', 'The connection test was cancelled.'));
        });
      });
    };
    return { calls, testFlows };
  }
  const unchangedKubeconfig = {
    saveKubeconfig: ({ contextName }: { contextName: string }) =>
      Promise.resolve({ path: `/home/me/.kube/${contextName}`, changed: false }),
  };

  it('when the facts say every K3s runs already, the flow test starts with the run and its answer is used', async () => {
    const flows = fakeFlows(40);
    const h = harness({
      plan: threeNodePlan(),
      likelyUnchanged: true,
      rules: { s1: [slowKubeconfig, ...allDone, allMet], a1: allDone, a2: allDone },
      services: { ...unchangedKubeconfig, testFlows: flows.testFlows },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.changed).toBe(false);
    // Once, before any machine answered "already done?", and never stopped.
    expect(flows.calls).toHaveLength(1);
    const firstCheck = h.requests.find((r) => /k3s-wizard-check/.test(r.command));
    expect(flows.calls[0]?.at).toBeLessThanOrEqual(firstCheck?.at ?? 0);
    expect(flows.calls[0]?.stoppedAt).toBeNull();
    // The first server's check runs on its own (not folded into a batch that could change it).
    expect(h.runners.get('s1')?.batches).toEqual([]);
    expect(snapshot.steps['verify:cluster']?.status).toBe('done');
  });

  it('a machine that is not as it should be stops that early flow test, and changes only once its listeners are gone', async () => {
    const flows = fakeFlows(5_000);
    const h = harness({
      plan: threeNodePlan(),
      likelyUnchanged: true,
      // a2 lost its K3s since the facts were read: it installs again.
      rules: { s1: [slowKubeconfig, ...allDone, allMet], a1: allDone },
      services: { ...unchangedKubeconfig, testFlows: flows.testFlows },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.steps['install:a2']?.status).toBe('done');
    // Started at once, stopped, and asked again by the verify step after the install.
    expect(flows.calls).toHaveLength(2);
    const [early, after] = flows.calls;
    expect(early?.stoppedAt).not.toBeNull();
    // Everything a2 was asked but its "already done?" check (and the look for its node identity).
    const changes = h.requests.filter((r) => r.host === 'a2' && !/^check whether/.test(r.what ?? ''));
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) expect(change.at).toBeGreaterThanOrEqual(early?.closedAt ?? Infinity);
    expect(after?.at).toBeGreaterThanOrEqual(verifyStart(h));
    expect(snapshot.steps['verify:cluster']?.status).toBe('done');
  });

  it('a step that changes no machine (the air-gap folder checked on this computer) leaves that early flow test running', async () => {
    const result = { plan: airgapPlan() };
    expect(result.plan.steps.some((s) => s.actions.some((a) => a.kind === 'check-files'))).toBe(true);
    const flows = fakeFlows(40);
    const h = harness({
      plan: result.plan,
      likelyUnchanged: true,
      rules: { s1: [slowKubeconfig, ...allDone, allMet], a1: allDone },
      services: { ...unchangedKubeconfig, testFlows: flows.testFlows },
    });
    const snapshot = await h.run.start();
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.changed).toBe(false);
    expect(flows.calls).toHaveLength(1);
    expect(flows.calls[0]?.stoppedAt).toBeNull();
  });

  it('without those facts, or with a firewall step, the flow test waits for every machine to answer', async () => {
    const flows = fakeFlows(10);
    const h = harness({
      plan: threeNodePlan(),
      rules: { s1: [slowKubeconfig, ...allDone, allMet], a1: allDone, a2: allDone },
      services: { ...unchangedKubeconfig, testFlows: flows.testFlows },
    });
    expect((await h.run.start()).status).toBe('succeeded');
    const checks = h.requests.filter((r) => /k3s-wizard-check/.test(r.command));
    expect(flows.calls).toHaveLength(1);
    expect(flows.calls[0]?.at).toBeGreaterThanOrEqual(Math.max(...checks.map((r) => r.at)));
  });
});

describe('root shells started ahead', () => {
  const titleOf = (id: string) => threeNodePlan().steps.find((s) => s.id === id)?.title ?? id;
  const readsOf = (plan: ReturnType<typeof threeNodePlan>) =>
    plan.steps.flatMap((s) =>
      s.phase === 'credentials' ? s.actions.flatMap((a) => (a.kind === 'read-secret' ? [a.what] : [])) : [],
    );

  it("what follows a step's work on a machine runs on a shell started before it was needed, and none is left", async () => {
    const h = harness({ plan: threeNodePlan() });
    expect((await h.run.start()).status).toBe('succeeded');
    const runner = (host: string) => h.runners.get(host) as NonNullable<ReturnType<typeof h.runners.get>>;
    // Each joining machine: its batch after the token, prepared when its early batch ended.
    expect(runner('a1').ranPrepared).toEqual([titleOf('install:a1')]);
    expect(runner('a2').ranPrepared).toEqual([titleOf('install:a2')]);
    // The first server: the token and the kubeconfig read once its install script started,
    // then the verify step's first try and node list once the machines' installs started.
    expect(runner('s1').ranPrepared.sort()).toEqual(
      [...readsOf(threeNodePlan()), 'check 2 conditions at once', 'list the nodes'].sort(),
    );
    // All used, and the pass is over: nothing waits on any machine.
    for (const host of ['s1', 'a1', 'a2']) {
      expect(runner(host).prepared).toEqual([]);
    }
  });

  it("an air-gap server's batch runs on a shell started beside the copy of its files, and none is left", async () => {
    const plan = airgapPlan();
    const title = plan.steps.find((s) => s.id === 'install:s1')?.title ?? '';
    const h = harness({ plan });
    expect((await h.run.start()).status).toBe('succeeded');
    const s1 = h.runners.get('s1') as NonNullable<ReturnType<typeof h.runners.get>>;
    expect(s1.ranPrepared).toContain(title);
    expect(s1.prepared.filter((p) => !p.until.aborted)).toEqual([]);
  });

  it('none is started for a run that changes nothing, nor for a machine whose early work failed', async () => {
    const done = [
      { match: /config\.yaml.*k3s-wizard-check|k3s-wizard-check.*config\.yaml/, reply: { code: 0 } },
    ];
    const unchanged = harness({
      plan: threeNodePlan(),
      rules: { s1: done, a1: done, a2: done },
      services: {
        saveKubeconfig: ({ contextName }) =>
          Promise.resolve({ path: `/home/me/.kube/${contextName}`, changed: false }),
      },
    });
    expect((await unchanged.run.start()).changed).toBe(false);
    for (const runner of unchanged.runners.values()) expect(runner.ranPrepared).toEqual([]);

    const offline = [{ match: /k3s-wizard-preinstall/, reply: { code: 1, stderr: 'curl: (6)\n' } }];
    const h = harness({ plan: threeNodePlan(), rules: { a1: offline } });
    await h.run.start();
    expect(h.runners.get('a1')?.ranPrepared).toEqual([]);
    expect(h.runners.get('a2')?.ranPrepared).toEqual([titleOf('install:a2')]);
    // What was started and not used ends with the pass.
    for (const runner of h.runners.values()) expect(runner.prepared.every((p) => p.until.aborted)).toBe(true);
  });
});

describe("the first server's credentials, read once its install script returned", () => {
  const TOKEN_READ = /^cat -- \/var\/lib\/rancher\/k3s\/server\/token$/;
  const readyz = /get --raw \/readyz/;
  const at = (h: Harness, type: string, stepId: string) =>
    Date.parse(h.events.find((e) => e.type === type && 'stepId' in e && e.stepId === stepId)?.time ?? '');
  const tokenReads = (h: Harness) => h.requests.filter((r) => r.host === 's1' && TOKEN_READ.test(r.command));
  const configOf = (h: Harness, host: string) =>
    h.requests.filter((r) => r.host === host && r.kind === 'write-file').at(-1)?.stdin ?? '';

  it('beside its last check (the API wait): one read, which the token step then uses', async () => {
    const h = harness({
      plan: threeNodePlan(),
      rules: { s1: [{ match: readyz, delayMs: 150, reply: { code: 0 } }] },
    });
    expect((await h.run.start()).status).toBe('succeeded');
    const [read, ...more] = tokenReads(h);
    expect(more).toEqual([]);
    // Asked while the server's step still waited for its API, not after it.
    expect(read?.at).toBeLessThan(at(h, 'step-finished', 'install:s1') - 100);
    expect(configOf(h, 'a1')).toContain(TOKEN);
  });

  it('a read ahead that failed is read again by its step, and one from an earlier pass is never used', async () => {
    let reads = 0;
    const failedOnce = [
      {
        match: TOKEN_READ,
        reply: () => (++reads === 1 ? { code: 1, stderr: 'No such file\n' } : { stdout: `${TOKEN}\n` }),
      },
    ];
    const h = harness({ plan: threeNodePlan(), rules: { s1: failedOnce } });
    expect((await h.run.start()).status).toBe('succeeded');
    expect(tokenReads(h)).toHaveLength(2);
    expect(tokenReads(h)[1]?.at).toBeGreaterThanOrEqual(at(h, 'step-started', 'credentials:token'));

    // The API never answers in the first pass: its read ahead (an old token) stays unused; the
    // retry installs again and its token step reads what is there then.
    const OLD = `K10${'cd'.repeat(32)}::server:ffffffffffffffffffffffffffffffff`;
    let apiUp = false;
    let n = 0;
    const plan = quickWaits(threeNodePlan(), 10, 200);
    const later = harness({
      plan,
      rules: {
        s1: [
          { match: readyz, reply: () => ({ code: apiUp ? 0 : 1 }) },
          { match: TOKEN_READ, reply: () => ({ stdout: `${++n === 1 ? OLD : TOKEN}\n` }) },
        ],
      },
    });
    expect((await later.run.start()).status).toBe('failed');
    expect(later.events.some((e) => e.type === 'step-blocked' && e.stepId === 'credentials:token')).toBe(
      true,
    );
    apiUp = true;
    expect((await later.run.retryHost('s1')).status).toBe('succeeded');
    expect(configOf(later, 'a1')).toContain(TOKEN);
    expect(configOf(later, 'a1')).not.toContain(OLD);
  });
});
