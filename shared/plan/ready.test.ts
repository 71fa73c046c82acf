// The verify step asks "is every node Ready" with one node list, and names the nodes that are not.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFacts, makeSpec, node } from '../../test-support/shared/spec';
import { buildPlan, notReadyNodes, readyCheckNodes, type Plan, type PlanAction } from '.';

function plan(...args: Parameters<typeof buildPlan>): Plan {
  const result = buildPlan(...args);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return result.plan;
}

const spec = (agents: number, withNodeId: string[] = []) =>
  makeSpec([
    node('s1', '10.0.0.1', 'server'),
    ...Array.from({ length: agents }, (_, i) =>
      node(
        `a${i + 1}`,
        `10.0.0.${i + 2}`,
        'agent',
        withNodeId.includes(`a${i + 1}`) ? { withNodeId: true } : {},
      ),
    ),
  ]);

/** Runs the check with a stand-in for `k3s` that prints `lines` for the node list (or fails). */
function runCheck(action: PlanAction, list: string | null): { code: number; stderr: string; calls: number } {
  if (action.kind !== 'wait-for') throw new Error('not a wait');
  const dir = mkdtempSync(join(tmpdir(), 'k3sw-ready-'));
  const k3s = join(dir, 'k3s');
  writeFileSync(join(dir, 'list'), list ?? '');
  writeFileSync(
    k3s,
    list === null
      ? '#!/bin/sh\necho "The connection to the server 127.0.0.1:6443 was refused" >&2; exit 1\n'
      : // It must be asked once, for the whole list, with the jsonpath of one line per node.
        `#!/bin/sh\n[ "$1 $2 $3 $4" = "kubectl get nodes -o" ] || exit 9\necho x >> ${dir}/calls\ncat ${dir}/list\n`,
  );
  chmodSync(k3s, 0o755);
  const command = action.check.command.replaceAll('/usr/local/bin/k3s', k3s);
  const calls = () =>
    existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').length / 2 : 0;
  try {
    execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stderr: '', calls: calls() };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { code: e.status, stderr: e.stderr, calls: calls() };
  }
}

describe('every node Ready, in one check', () => {
  it('the verify step makes one ready check for N nodes, before CoreDNS', () => {
    for (const agents of [0, 3, 30]) {
      const p = plan(spec(agents), {});
      const verify = p.steps.find((s) => s.id === 'verify:cluster');
      const ready = verify?.actions.filter((a) => a.kind === 'wait-for' && readyCheckNodes(a.check.command));
      expect(ready).toHaveLength(1);
      expect(verify?.actions[0]).toBe(ready?.[0]);
      const names = ['s1', ...Array.from({ length: agents }, (_, i) => `a${i + 1}`)];
      const first = ready?.[0];
      expect(first?.kind === 'wait-for' && readyCheckNodes(first.check.command)).toEqual(names);
      expect(first?.what).toBe(`wait until every node is Ready: ${names.join(', ')}`);
      // One kubectl per try, however many nodes.
      expect(first?.kind === 'wait-for' && first.check.command.match(/kubectl/g)).toHaveLength(1);
      expect(verify?.actions[1]?.what).toMatch(/CoreDNS/);
    }
  });

  it('is met when every node is Ready, by name or (with-node-id) by host name and address', () => {
    const facts = { a2: makeFacts('10.0.0.3', { hostname: 'RaspberryPi' }) };
    const wait = plan(spec(2, ['a2']), facts).steps.find((s) => s.id === 'verify:cluster')?.actions[0];
    if (!wait) throw new Error('no wait');
    const lines = (rows: string[]) => `${rows.join('\n')}\n`;
    expect(
      runCheck(
        wait,
        lines(['s1|True|10.0.0.1', 'a1|True|10.0.0.2', 'raspberrypi-6f1c2a|True|10.0.0.3 fd00::3']),
      ),
    ).toEqual({ code: 0, stderr: '', calls: 1 });
    // Nobody Ready by that prefix at that address: a Pi elsewhere, or another host name, does not count.
    const r = runCheck(
      wait,
      lines([
        's1|True|10.0.0.1',
        'a1|False|10.0.0.2',
        'raspberrypi-6f1c2a|True|10.0.0.99',
        'otherhost-1|True|10.0.0.3',
        'raspberrypi-77aa|Unknown|10.0.0.3',
      ]),
    );
    expect(r).toMatchObject({ code: 1, calls: 1 });
    expect(notReadyNodes(r.stderr.split('\n'))).toEqual([
      { node: 'a1', why: 'listed as a1, Ready: False' },
      { node: 'a2', why: 'listed as raspberrypi-77aa, Ready: Unknown' },
    ]);
    const missing = runCheck(wait, lines(['s1|True|10.0.0.1', 'a1|True|10.0.0.2']));
    expect(notReadyNodes(missing.stderr.split('\n'))).toEqual([{ node: 'a2', why: 'not in the node list' }]);
  });

  it('names every node when the list cannot be read, with the error', () => {
    const wait = plan(spec(1), {}).steps.find((s) => s.id === 'verify:cluster')?.actions[0];
    if (!wait) throw new Error('no wait');
    const r = runCheck(wait, null);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The connection to the server 127.0.0.1:6443 was refused');
    expect(notReadyNodes(r.stderr.split('\n'))).toEqual([
      { node: 's1', why: 'the node list could not be read' },
      { node: 'a1', why: 'the node list could not be read' },
    ]);
  });

  it('tells its own command from any other', () => {
    const wait = plan(spec(1), {}).steps.find((s) => s.id === 'verify:cluster')?.actions[0];
    if (wait?.kind !== 'wait-for') throw new Error('no wait');
    expect(readyCheckNodes(wait.check.command)).toEqual(['s1', 'a1']);
    expect(readyCheckNodes(`${wait.check.command} x`)).toBeNull();
    expect(readyCheckNodes(`${wait.check.command}; reboot`)).toBeNull();
    expect(readyCheckNodes('/usr/local/bin/k3s kubectl get nodes')).toBeNull();
  });
});
