import { describe, expect, expectTypeOf, it } from 'vitest';
import { buildUninstallPlan, type PlanAction, type PlanStep } from '../../../shared/plan';
import { threeNodePlan } from '../../../test-support/engine/harness';
import { makeSpec, node } from '../../../test-support/shared/spec';
import type { StepContext } from '../step-context';
import type { ActionKind } from './action';
import { ACTIONS, beforeCheck, describeActionFailure, runAction } from './index';

// Compile-time: a kind added to the PlanAction union and missing here (or in ACTIONS) fails the
// typecheck; `satisfies` also refuses a kind that is not in the union.
const EVERY_KIND = {
  exec: true,
  'write-file': true,
  'check-files': true,
  upload: true,
  firewall: true,
  'reboot-and-wait': true,
  'wait-for': true,
  'read-secret': true,
  'remove-kubeconfig': true,
  'save-kubeconfig': true,
} as const satisfies Record<ActionKind, true>;

const wait: Extract<PlanAction, { kind: 'wait-for' }> = {
  kind: 'wait-for',
  check: { command: 'true', sudo: false },
  intervalMs: 1000,
  timeoutMs: 60_000,
  what: 'see node a1 Ready',
};

function contextOf(step: Partial<PlanStep>): StepContext {
  return {
    step: {
      id: 'verify',
      phase: 'verify',
      host: 's1',
      title: 'Check the cluster',
      actions: [],
      secrets: [],
      alreadyDone: null,
      timeoutMs: 60_000,
      dependsOn: [],
      notes: [],
      ...step,
    },
  } as unknown as StepContext;
}

describe('the action registry', () => {
  it('has one module for every kind of the plan action union, and nothing else', () => {
    expectTypeOf<keyof typeof ACTIONS>().toEqualTypeOf<PlanAction['kind']>();
    expect(Object.keys(ACTIONS).sort()).toEqual(Object.keys(EVERY_KIND).sort());
    for (const module of Object.values(ACTIONS)) expect(typeof module.run).toBe('function');
  });

  it('runs every action the planner emits for an install and an uninstall', () => {
    const plans = [threeNodePlan(), buildUninstallPlan(makeSpec([node('s1', '10.0.0.1', 'server')]))];
    const kinds = new Set(plans.flatMap((p) => p.steps.flatMap((s) => s.actions.map((a) => a.kind))));
    expect(kinds.size).toBeGreaterThan(3);
    for (const kind of kinds) expect(ACTIONS).toHaveProperty(kind);
  });

  it("settles what an action kind needs before the step's check once per kind, and only for kinds that need it", async () => {
    const commands: string[] = [];
    const runner = {
      exec: (request: { command: string }) => {
        commands.push(request.command);
        return Promise.resolve({ code: 0, stdout: '', stderr: '', signal: null });
      },
    };
    const firewall = { kind: 'firewall', what: 'open the K3s ports' } as unknown as PlanAction;
    const exec: PlanAction = { kind: 'exec', command: 'true', sudo: false, what: 'x' };
    const run = { signal: new AbortController().signal, output: { push: () => undefined } as never };
    const ctx = (actions: PlanAction[]) =>
      ({ ...contextOf({ actions }), runner, dryRun: false }) as unknown as StepContext;
    await beforeCheck(ctx([exec, wait, exec]), run);
    expect(commands).toEqual([]);
    await beforeCheck(ctx([firewall, exec, firewall]), run);
    expect(commands).toHaveLength(1);
  });

  it('refuses a kind it has no module for with a clear error', () => {
    const unknown = { kind: 'format-disk', what: 'format the disk' } as unknown as PlanAction;
    expect(() =>
      runAction(contextOf({}), unknown, {
        signal: new AbortController().signal,
        output: {} as never,
        remaining: () => 1000,
        index: 0,
      }),
    ).toThrow('No module runs a "format-disk" action.');
  });

  it("describes a failure in the action's own words where it has them", () => {
    const lastOutput = ['not ready'];
    expect(describeActionFailure(contextOf({}), wait, { timedOutAfterMs: 60_000, lastOutput })).toEqual({
      code: 'NODE_NOT_READY',
      message:
        's1: could not see node a1 Ready within 60 s. Look at that node’s K3s journal (journalctl -u k3s-agent or -u k3s).',
      lastOutput,
    });
    // Outside the verify step, or not a timeout: the general classification says it.
    expect(
      describeActionFailure(contextOf({ phase: 'agents' }), wait, { timedOutAfterMs: 60_000, lastOutput }),
    ).toBeNull();
    expect(describeActionFailure(contextOf({}), wait, { timedOutAfterMs: undefined, lastOutput })).toBeNull();
    const exec: PlanAction = { kind: 'exec', command: 'true', sudo: false, what: 'x' };
    expect(describeActionFailure(contextOf({}), exec, { timedOutAfterMs: 60_000, lastOutput })).toBeNull();
  });
});
