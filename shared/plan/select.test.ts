import { describe, expect, it } from 'vitest';
import { makeFacts, makeSpec, node } from '../../test-support/shared/spec';
import { buildPlan } from './build';
import { onlySteps } from './select';

const spec = makeSpec([node('pi1', '10.0.0.1', 'server'), node('pi2', '10.0.0.2', 'agent')]);
const pi = makeFacts('10.0.0.2', {
  raspberryPi: { model: 'Raspberry Pi 4 Model B Rev 1.4', cmdlinePath: '/boot/firmware/cmdline.txt' },
  cgroup: { version: 2, memory: false },
});

describe('part of a plan', () => {
  it('keeps only the chosen steps and the dependencies among them', () => {
    const result = buildPlan(spec, { pi1: makeFacts('10.0.0.1'), pi2: pi });
    if (!result.ok) throw new Error('no plan');
    const cgroup = result.plan.steps.find((s) => s.id.endsWith(':cgroup'));
    expect(cgroup?.host).toBe('pi2');
    const part = onlySteps(result.plan, [cgroup!.id]);
    expect(part.steps.map((s) => s.id)).toEqual([cgroup!.id]);
    expect(part.steps[0]!.dependsOn).toEqual([]);
    expect(part.steps[0]!.actions.some((a) => a.kind === 'reboot-and-wait')).toBe(true);
  });

  it('refuses a step the plan does not have', () => {
    const result = buildPlan(spec, {});
    if (!result.ok) throw new Error('no plan');
    expect(() => onlySteps(result.plan, ['prepare:pi9:cgroup'])).toThrow(
      'The plan has no step prepare:pi9:cgroup.',
    );
  });
});
