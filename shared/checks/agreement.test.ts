/**
 * One set of host rules: the pre-flight checks (what the Checks step shows) and the plan's
 * issues (what blocks or warns before an install) judge the same facts the same way.
 */
import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../facts';
import { buildPlan } from '../plan';
import type { SpecIssue } from '../spec/issues';
import { makeFacts, makeSpec, node } from '../../test-support/shared/spec';
import { runChecks, type CheckStatus } from './index';

type Role = 'server' | 'agent';

/** The one host's plan issues (other than the spec's own) and its check statuses, by check id. */
function judge(role: Role, over: Partial<HostFacts>) {
  const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('n1', '10.0.0.2', role)]);
  const facts = { s1: makeFacts('10.0.0.1'), n1: makeFacts('10.0.0.2', over) };
  const result = buildPlan(spec, facts);
  const issues: SpecIssue[] = (result.ok ? result.plan.issues : result.issues).filter((i) =>
    i.path.startsWith('nodes[1]'),
  );
  const checks = runChecks({
    hosts: [
      { id: 's1', role: 'server', facts: facts.s1 },
      { id: 'n1', role, facts: facts.n1 },
    ],
  }).filter((c) => c.hostId === 'n1');
  const status = (id: string): CheckStatus | undefined => checks.find((c) => c.id === id)?.status;
  return { issues, status };
}

const severity = (issues: SpecIssue[], text: RegExp) => issues.find((i) => text.test(i.message))?.severity;

describe('the checks and the plan agree', () => {
  it.each<[Role, number]>([
    ['server', 800],
    ['server', 1000],
    ['server', 1850], // a "2 GB" board: the firmware keeps some
    ['server', 4096],
    ['agent', 400],
    ['agent', 470], // a "512 MB" board
    ['agent', 700],
  ])('memory of a %s with %i MiB', (role, memoryMiB) => {
    const { issues, status } = judge(role, { memoryMiB });
    const check = status('memory');
    const planned = severity(issues, /MiB of memory/);
    expect(check).toBeDefined();
    expect(planned === undefined).toBe(check === 'pass');
  });

  it.each<[Role, number]>([
    ['server', 1],
    ['server', 2],
    ['agent', 1],
  ])('CPUs of a %s with %i', (role, cpus) => {
    const { issues, status } = judge(role, { cpus });
    const planned = severity(issues, /CPU/);
    expect(status('cpus') ?? 'pass').toBe(planned === undefined ? 'pass' : 'warn');
  });

  it.each<[string, Partial<HostFacts>, string, RegExp]>([
    [
      'no K3s build',
      { kernelArch: 's390x', userlandArch: 's390x', k3sArch: null },
      'arch',
      /K3s does not run on/,
    ],
    [
      'no K3s build, kernel unknown',
      { kernelArch: null, userlandArch: 'mips', k3sArch: null },
      'arch',
      /K3s does not run on/,
    ],
    ['no service manager', { init: 'other' }, 'init', /neither systemd nor OpenRC/],
    ['no sudo', { sudo: 'unavailable' }, 'sudo', /cannot use sudo/],
  ])('%s: a failed check is an error in the plan', (_what, over, id, text) => {
    const { issues, status } = judge('agent', over);
    expect(status(id)).toBe('fail');
    expect(severity(issues, text)).toBe('error');
  });

  it.each<[string, 'warn' | 'pass', boolean]>([
    ['1.8.4', 'warn', true],
    ['v1.8.2', 'warn', true],
    ['1.8.7', 'pass', false],
    ['1.8.10', 'pass', false],
  ])('iptables %s', (version, check, bundled) => {
    const { issues, status } = judge('agent', { iptables: { version, backend: 'legacy' } });
    expect(status('iptables')).toBe(check);
    expect(severity(issues, /buggy/) === 'warning').toBe(bundled);
  });
});
