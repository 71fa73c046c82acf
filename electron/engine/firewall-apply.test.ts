import { describe, expect, it } from 'vitest';
import type { ConnectivityResult } from '../../shared/checks/connectivity';
import { AppError } from '../../shared/errors';
import type { PortPath } from '../../shared/checks/connectivity';
import { firewallApplyPlan } from '../../shared/firewall';
import type { PlanAction } from '../../shared/plan';
import { FakeHostRunner, FRESH_LOGIN, type Recorded } from '../../test-support/engine/fake-runner';
import { applyFirewall, canMatch } from './firewall-apply';

const cmd = (argv: string[], undo: string[][], what: string) => ({ argv, undo, what });
const commands = [
  cmd(
    ['firewall-cmd', '--zone=internal', '--add-source=10.0.0.2'],
    [['firewall-cmd', '--zone=internal', '--remove-source=10.0.0.2']],
    'let node 10.0.0.2 in (now)',
  ),
  cmd(
    ['firewall-cmd', '--zone=drop', '--add-source=10.0.0.9'],
    [['firewall-cmd', '--zone=drop', '--remove-source=10.0.0.9']],
    'drop this computer (now)',
  ),
  cmd(
    ['firewall-cmd', '--zone=internal', '--add-port=6443/tcp'],
    [['firewall-cmd', '--zone=internal', '--remove-port=6443/tcp']],
    'open 6443/tcp (now)',
  ),
  cmd(
    ['firewall-cmd', '--permanent', '--zone=internal', '--add-port=6443/tcp'],
    [],
    'open 6443/tcp (permanent)',
  ),
];
const paths: PortPath[] = [{ from: 'a1', to: 's1', port: 6443, proto: 'tcp', flow: 'api', purpose: 'API' }];
const action: Extract<PlanAction, { kind: 'firewall' }> = {
  kind: 'firewall',
  what: 'firewall',
  ...firewallApplyPlan(commands, { tool: 'firewalld', paths }),
};

/** A host whose rules are a set: the "drop" source cuts new logins, "--zone=block" 6443. */
function host(options: { cutBy?: string; blockBy?: string } = {}) {
  const rules = new Set<string>();
  const log: Recorded[] = [];
  const runner = new FakeHostRunner(
    's1',
    [
      { match: /k3s-wizard-firewall-guard/, reply: { stdout: 'armed\n' } },
      { match: /k3s-wizard-disarm/, reply: { code: 0 } },
      { match: /list-all-zones/, reply: () => ({ stdout: [...rules].sort().join('\n') }) },
      {
        match: (c) => c === FRESH_LOGIN && options.cutBy !== undefined && rules.has(options.cutBy),
        fail: new AppError('HOST_UNREACHABLE', 'lab@s1 could not be reached: connection refused.'),
      },
      {
        match: /--add-|--remove-/,
        reply: (request) => {
          const rule = request.command.replace('--remove-', '--add-');
          if (request.command.includes('--remove-')) rules.delete(rule);
          else if (!request.command.includes('--permanent')) rules.add(rule);
          return { code: 0 };
        },
      },
    ],
    log,
  );
  const reachable = ({ host: to, paths: asked }: { host: string; paths: PortPath[] }) =>
    Promise.resolve(
      asked.map((p): ConnectivityResult => ({
        ...p,
        to,
        status: options.blockBy && rules.has(options.blockBy) ? 'blocked' : 'open',
        detail: options.blockBy && rules.has(options.blockBy) ? 'refused' : 'connected',
      })),
    );
  const lines: string[] = [];
  const run = () =>
    applyFirewall(action, {
      runner,
      services: { reachable },
      signal: new AbortController().signal,
      log: (line) => lines.push(line),
      redact: (t) => t,
    });
  return { rules, log, run, lines };
}

describe('firewall apply: runtime, check from here, then permanent', () => {
  it('applies runtime rules under a guard, checks a new login and the ports, then makes them permanent', async () => {
    const h = host();
    await expect(h.run()).resolves.toBe(true);
    const order = h.log.map((r) => r.command);
    const guard = order.findIndex((c) => c.includes('k3s-wizard-firewall-guard'));
    const login = order.indexOf(FRESH_LOGIN);
    const disarm = order.findIndex((c) => c.includes('k3s-wizard-disarm'));
    const permanent = order.findIndex((c) => c.includes('--permanent'));
    expect(guard).toBeGreaterThan(0);
    expect(order.slice(guard + 1, guard + 4)).toEqual(action.runtime.map((c) => c.command));
    expect(login).toBeGreaterThan(guard + 3);
    expect(disarm).toBeGreaterThan(login);
    expect(permanent).toBeGreaterThan(disarm);
    // The guard undoes the runtime rules newest first; its id is random, never a PID.
    expect(h.log[guard]?.stdin.split('\n').slice(0, 2)).toEqual([
      'firewall-cmd --zone=internal --remove-port=6443/tcp',
      'firewall-cmd --zone=drop --remove-source=10.0.0.9',
    ]);
    const id = /k3s-wizard-firewall-guard \S+ ([0-9a-f]{16}) /.exec(order[guard] ?? '')?.[1];
    expect(id).toBeDefined();
    expect(order[disarm]).toContain(id);
    expect(h.rules.size).toBe(3);
    // What an uninstall will undo, newest first, recorded on the host before any permanent rule.
    const record = h.log.findIndex((r) => r.command.includes('k3s-wizard-record'));
    expect(record).toBeGreaterThan(disarm);
    expect(record).toBeLessThan(permanent);
    expect(h.log[record]?.stdin.split('\n').slice(0, 3)).toEqual([
      'firewall-cmd --zone=internal --remove-port=6443/tcp',
      'firewall-cmd --zone=drop --remove-source=10.0.0.9',
      'firewall-cmd --zone=internal --remove-source=10.0.0.2',
    ]);
  });

  it('a rule that cuts new SSH logins is found, everything is taken back, nothing made permanent', async () => {
    const h = host({ cutBy: 'firewall-cmd --zone=drop --add-source=10.0.0.9' });
    const error = await h.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('FIREWALL_LOCKOUT');
    expect((error as AppError).message).toContain('the rule that cut it: “drop this computer (now)”');
    expect((error as AppError).message).toContain('The rules found before are back in place.');
    expect(h.rules.size).toBe(0);
    expect(h.log.some((r) => r.command.includes('--permanent'))).toBe(false);
    expect(h.log.some((r) => r.command.includes('k3s-wizard-disarm'))).toBe(true);
  });

  it('a rule that blocks a cluster port is named with the path it cut', async () => {
    const h = host({ blockBy: 'firewall-cmd --zone=internal --add-port=6443/tcp' });
    const error = (await h.run().catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('FIREWALL_BLOCKS_CLUSTER');
    expect(error.message).toContain('a1 → s1 on 6443/tcp (refused)');
    expect(error.message).toContain('“open 6443/tcp (now)”');
    expect(h.rules.size).toBe(0);
    expect(h.log.some((r) => r.command.includes('--permanent'))).toBe(false);
  });
});

describe('firewall apply when the ports cannot be tested', () => {
  it('goes on (SSH was checked) and says so', async () => {
    const log: Recorded[] = [];
    const runner = new FakeHostRunner(
      's1',
      [
        { match: /k3s-wizard-firewall-guard/, reply: { stdout: 'armed\n' } },
        { match: /k3s-wizard-disarm/, reply: { code: 0 } },
      ],
      log,
    );
    const lines: string[] = [];
    await expect(
      applyFirewall(action, {
        runner,
        services: { reachable: () => Promise.reject(new AppError('HOST_UNREACHABLE', 'a1 is off')) },
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        redact: (t) => t,
      }),
    ).resolves.toBe(true);
    expect(lines.join('')).toContain('the cluster ports could not be tested (a1 is off); going on');
    expect(log.some((r) => r.command.includes('--permanent'))).toBe(true);
  });
});

describe('firewall apply says flow by flow what was tested', () => {
  it('a flow the tester gave no answer for is logged as unknown, never as answering (#12.7)', async () => {
    const etcd: PortPath[] = [
      ...paths,
      { from: 's2', to: 's1', port: 2379, proto: 'tcp', flow: 'etcd', purpose: 'etcd' },
    ];
    const runner = new FakeHostRunner(
      's1',
      [
        { match: /k3s-wizard-firewall-guard/, reply: { stdout: 'armed\n' } },
        { match: /k3s-wizard-disarm/, reply: { code: 0 } },
      ],
      [],
    );
    const lines: string[] = [];
    await applyFirewall(
      { ...action, paths: etcd },
      {
        runner,
        services: {
          // Answers for the API path only, as a tester that does not know etcd would.
          reachable: ({ paths: asked }) =>
            Promise.resolve(
              asked
                .filter((p) => p.flow === 'api')
                .map((p): ConnectivityResult => ({ ...p, status: 'open', detail: 'connected' })),
            ),
        },
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        redact: (t) => t,
      },
    );
    const log = lines.join('');
    expect(log).toContain('the cluster ports answer from the other nodes: 6443/tcp from a1\n');
    expect(log).toMatch(/unknown \(not tested\): s2 → s1 on 2379\/tcp/);
  });
});

describe('which rule can be blamed for a blocked flow', () => {
  const kubelet = { port: 10250, proto: 'tcp' as const };
  it('a rule for another port or protocol cannot match; a rule naming no port can (#12.5)', () => {
    expect(canMatch('firewall-cmd --zone=internal --add-port=8472/udp', kubelet)).toBe(false);
    expect(
      canMatch(
        `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" port port="8472" protocol="udp" accept'`,
        kubelet,
      ),
    ).toBe(false);
    expect(canMatch('ufw allow from 10.0.0.2 to any port 8472 proto udp', kubelet)).toBe(false);
    expect(canMatch('firewall-cmd --zone=internal --add-port=10250/tcp', kubelet)).toBe(true);
    expect(
      canMatch('firewall-cmd --zone=internal --add-port=2379-2380/tcp', { port: 2380, proto: 'tcp' }),
    ).toBe(true);
    expect(
      canMatch('ufw allow from 10.0.0.2 to any port 30000:32767 proto tcp', { port: 30080, proto: 'tcp' }),
    ).toBe(true);
    expect(canMatch('firewall-cmd --zone=internal --add-source=10.0.0.2', kubelet)).toBe(true);
    expect(canMatch('firewall-cmd --zone=block --add-source=10.0.0.9', kubelet)).toBe(true);
  });
});

describe('a flow is tested again before a rule is blamed', () => {
  it('blocked once, open when tested again (a busy machine): nothing is rolled back (#12.5)', async () => {
    const log: Recorded[] = [];
    const runner = new FakeHostRunner(
      's1',
      [
        { match: /k3s-wizard-firewall-guard/, reply: { stdout: 'armed\n' } },
        { match: /k3s-wizard-disarm/, reply: { code: 0 } },
      ],
      log,
    );
    let calls = 0;
    const lines: string[] = [];
    await expect(
      applyFirewall(action, {
        runner,
        services: {
          reachable: ({ paths: asked }) => {
            calls++;
            return Promise.resolve(
              asked.map((p): ConnectivityResult =>
                calls === 1
                  ? { ...p, status: 'blocked', detail: 'timed out' }
                  : { ...p, status: 'open', detail: 'connected' },
              ),
            );
          },
        },
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        redact: (t) => t,
      }),
    ).resolves.toBe(true);
    expect(calls).toBe(2);
    expect(log.some((r) => r.command.includes('--remove-'))).toBe(false);
    expect(log.some((r) => r.command.includes('--permanent'))).toBe(true);
    expect(lines.join('')).toContain('the cluster ports answer from the other nodes: 6443/tcp from a1');
  });
});
