// A fleet builds several clusters at once under one limit (the classroom's mirror and Wi-Fi):
// runs given the same shared limit never have more steps going, together, than it allows.
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/plan';
import { harness } from '../../test-support/engine/harness';

function plan(cluster: string, hosts: string[]): Plan {
  return {
    cluster,
    phases: [],
    issues: [],
    steps: hosts.map((host) => ({
      id: `work:${host}`,
      phase: 'prepare',
      host,
      title: `work on ${host}`,
      actions: [{ kind: 'exec', command: `work ${host}`, sudo: false, what: `work on ${host}` }],
      secrets: [],
      alreadyDone: null,
      timeoutMs: 10_000,
      dependsOn: [],
      notes: [],
    })),
  };
}

describe('a limit shared by several runs', () => {
  it('caps the steps of every run together, each run still finishing', async () => {
    let now = 0;
    let peak = 0;
    const slow = [
      {
        match: /^work/,
        reply: async () => {
          peak = Math.max(peak, ++now);
          await new Promise((r) => setTimeout(r, 20));
          now--;
          return { code: 0 };
        },
      },
    ];
    const shared = pLimit(3);
    const runs = ['a', 'b', 'c'].map((c) => {
      const hosts = [1, 2, 3, 4].map((n) => `${c}${n}`);
      return harness({
        plan: plan(c, hosts),
        sharedLimit: shared,
        rules: Object.fromEntries(hosts.map((h) => [h, slow])),
      });
    });
    const done = await Promise.all(runs.map((h) => h.run.start()));
    expect(done.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(peak).toBe(3);
  });
});
