/**
 * Applying a firewall plan without locking anyone out: a guard on the host first (it undoes the
 * runtime rules by itself if the app never disarms it), then the runtime rules, then a new SSH
 * login from this computer and the cluster ports from the nodes that need them. Only when both
 * work is the guard disarmed and are the rules made permanent. Otherwise the runtime rules are
 * taken back one by one, newest first, re-checking after each, which names the rule that cut
 * what; the rules found before are compared with what is left.
 */
import type { ConnectivityResult, PortPath } from '../../shared/checks/connectivity';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import {
  disarmCommand,
  guardCommand,
  guardLines,
  guardsLeftCommand,
  settleCommand,
  recordUndoCommand,
  undoLines,
  sameRules,
  type FirewallChange,
} from '../../shared/firewall';
import type { PlanAction } from '../../shared/plan';
import type { HostRunner } from './host-runner';

type FirewallAction = Extract<PlanAction, { kind: 'firewall' }>;

export interface FirewallServices {
  /** Tests connections from other nodes into `host`; results for the paths asked only. */
  reachable: (request: {
    host: string;
    paths: PortPath[];
    signal: AbortSignal;
  }) => Promise<ConnectivityResult[]>;
}

export interface FirewallRun {
  runner: HostRunner;
  services: FirewallServices;
  signal: AbortSignal;
  log: (line: string) => void;
  redact: (text: string) => string;
  /** How long a new login may take. */
  loginTimeoutMs?: number;
}

const LOGIN_TIMEOUT_MS = 10_000;

function describe(path: ConnectivityResult): string {
  return `${path.from} → ${path.to} on ${path.port}/${path.proto} (${path.detail})`;
}

/**
 * Whether a rule could match connections on `path`: a rule naming ports (firewalld's
 * "6443/tcp" or rich-rule `port="…" protocol="…"`, ufw's "port … proto …") matches only those;
 * a rule naming none (a source, a zone, a service) may match anything.
 */
export function canMatch(command: string, path: Pick<PortPath, 'port' | 'proto'>): boolean {
  const named = [
    ...command.matchAll(/\b(\d{1,5})(?:-(\d{1,5}))?\/(tcp|udp)\b/g),
    ...command.matchAll(/port="(\d{1,5})(?:-(\d{1,5}))?" protocol="(tcp|udp)"/g),
    ...command.matchAll(/\bport (\d{1,5})(?::(\d{1,5}))? proto (tcp|udp)\b/g),
  ];
  if (named.length === 0) return true;
  return named.some(([, first, last, proto]) => {
    const from = Number(first);
    const to = last === undefined ? from : Number(last);
    return proto === path.proto && from <= path.port && path.port <= to;
  });
}

/**
 * Settles what an earlier run left on the host: each guard still armed (the run failed, timed out
 * or was killed before disarming it) is claimed and its rules taken back now, so it can never
 * fire into this run; the step then applies its rules afresh. A dry run only says what it found.
 */
export async function settleEarlierGuards(options: {
  runner: HostRunner;
  signal: AbortSignal;
  dryRun: boolean;
  output: { push: (stream: 'stdout' | 'stderr', text: string) => void };
}): Promise<void> {
  const { runner, signal, output } = options;
  if (options.dryRun) {
    const left = await runner.exec({
      command: guardsLeftCommand(),
      sudo: true,
      timeoutMs: 60_000,
      signal,
      what: 'look for firewall guards of earlier runs',
    });
    if (left.code === 0)
      output.push(
        'stdout',
        'an earlier run left a firewall rollback guard armed; a real run takes its rules back first\n',
      );
    return;
  }
  const settled = await runner.exec({
    command: settleCommand(),
    sudo: true,
    timeoutMs: 60_000,
    signal,
    what: 'settle firewall guards of earlier runs',
  });
  if (settled.code !== 0)
    throw new AppError(
      'COMMAND_FAILED',
      `${runner.host}: could not settle the firewall rollback guard an earlier run left (exit ${settled.code ?? '?'}); nothing was changed.`,
      { host: runner.host },
    );
  for (const line of settled.stdout.split('\n')) {
    const id = /^settled ([0-9a-f]+)$/.exec(line.trim())?.[1];
    if (id)
      output.push(
        'stdout',
        `an earlier run left its firewall change half-done (rollback guard ${id} still armed): its runtime rules were taken back now, so it cannot fire later; this step applies them again\n`,
      );
  }
}

const samePath = (a: PortPath, b: PortPath) =>
  a.from === b.from && a.to === b.to && a.port === b.port && a.proto === b.proto;

/** Flow by flow what answered; a path without an "open" answer is unknown, never passed. */
function logTested(paths: PortPath[], results: ConnectivityResult[], log: (line: string) => void): void {
  const open = paths.filter((p) => results.some((r) => samePath(r, p) && r.status === 'open'));
  if (open.length)
    log(
      `the cluster ports answer from the other nodes: ${open.map((p) => `${p.port}/${p.proto} from ${p.from}`).join(', ')}\n`,
    );
  const unknown = paths.filter((p) => !open.includes(p));
  if (unknown.length) {
    const why = (p: PortPath) => results.find((r) => samePath(r, p))?.detail ?? 'no answer from the tester';
    log(
      `unknown (not tested): ${unknown.map((p) => `${p.from} → ${p.to} on ${p.port}/${p.proto} (${why(p)})`).join('; ')}\n`,
    );
  }
}

/** What a check found wrong, or null when all is well. */
type Check = () => Promise<string | null>;

export async function applyFirewall(action: FirewallAction, run: FirewallRun): Promise<boolean> {
  const { runner, signal } = run;
  const host = runner.host;
  const exec = (command: string, what: string, timeoutMs = 60_000) =>
    runner.exec({ command, sudo: true, timeoutMs, signal, what });
  if (action.runtime.length === 0 && action.permanent.length === 0) return false;

  const before = action.state ? (await exec(action.state, 'read the firewall rules')).stdout : null;
  // A random id per guard: only this run can disarm it, and the next run can find it.
  const guardId = randomBytes(8).toString('hex');
  const armed = await runner.exec({
    command: guardCommand(guardId, action.guardSeconds),
    sudo: true,
    stdin: guardLines(action.runtime),
    timeoutMs: 60_000,
    signal,
    what: 'arm the rollback guard',
  });
  if (armed.code !== 0 || armed.stdout.trim() !== 'armed')
    throw new AppError('COMMAND_FAILED', `${host}: the firewall rollback guard could not be started.`);
  run.log(`rollback guard armed: the host undoes these rules by itself in ${action.guardSeconds} s\n`);

  const applied: FirewallChange[] = [];
  const undoOne = async (change: FirewallChange): Promise<void> => {
    for (const line of change.undo) await exec(line, `undo: ${change.what}`);
  };
  /**
   * Undoes every applied rule, newest first. With `check`, first names the rule that cut
   * something: each rule is taken out alone (and put back when that cures nothing), since the
   * cure may need the other rules (a port the plan opened, then rejected by a later rule). The
   * guard is disarmed last, so a connection lost half-way still ends with every rule undone.
   */
  const rollBack = async (check?: Check, suspects = applied): Promise<FirewallChange | null> => {
    let culprit: FirewallChange | null = null;
    try {
      for (const change of check ? [...applied].reverse().filter((c) => suspects.includes(c)) : []) {
        await undoOne(change);
        if ((await check?.()) === null) {
          culprit = change;
          applied.splice(applied.indexOf(change), 1);
          break;
        }
        await exec(change.command, change.what);
      }
      for (const change of [...applied].reverse()) {
        await undoOne(change);
        applied.pop();
      }
      await exec(disarmCommand(guardId), 'disarm the rollback guard');
    } catch (error) {
      if (error instanceof AppError && error.code === 'CONNECTION_LOST') {
        throw new AppError(
          'FIREWALL_LOCKOUT',
          `${host}: the new firewall rules cut the SSH connection itself. The host takes them back by itself within ${action.guardSeconds} s of applying them; nothing was made permanent. Then run again.`,
          { host },
        );
      }
      throw error;
    }
    return culprit;
  };

  const restored = async (): Promise<string> => {
    if (before === null || !action.state) return '';
    const after = (await exec(action.state, 'read the firewall rules')).stdout;
    return sameRules(before, after)
      ? ' The rules found before are back in place.'
      : ' Careful: the rules now differ from those found before; compare with the run log.';
  };

  for (const change of action.runtime) {
    const r = await exec(change.command, change.what);
    if (r.code !== 0) {
      await rollBack();
      throw new AppError(
        'COMMAND_FAILED',
        `${host}: could not ${change.what} (exit ${r.code ?? '?'}: ${run.redact(r.stderr.trim().split('\n').pop() ?? '')}). The rules already added were taken back.${await restored()}`,
        { host },
      );
    }
    applied.push(change);
  }

  const sshCheck: Check = async () => {
    try {
      await runner.freshLogin({ timeoutMs: run.loginTimeoutMs ?? LOGIN_TIMEOUT_MS, signal });
      return null;
    } catch (error) {
      if (error instanceof AppError && error.code === 'CANCELLED') throw error;
      return error instanceof Error ? error.message : String(error);
    }
  };
  const sshProblem = await sshCheck();
  if (sshProblem !== null) {
    run.log(`a new SSH login failed after the runtime rules: ${sshProblem}\n`);
    const culprit = await rollBack(sshCheck);
    const cut = culprit ? `“${culprit.what}” (${culprit.command})` : 'the new rules together';
    throw new AppError(
      'FIREWALL_LOCKOUT',
      `${host}: after the new firewall rules this computer could no longer log in over SSH (${sshProblem}); the rule that cut it: ${cut}. Every new rule was taken back and nothing was made permanent.${await restored()}`,
      { host, rule: culprit?.command ?? null },
    );
  }
  run.log('a new SSH login from this computer works\n');

  if (action.paths.length) {
    const test = async (paths: PortPath[]) => await run.services.reachable({ host, paths, signal });
    // A peer that cannot be tested (no SSH, no python3) is no reason to take working rules back.
    const results = await test(action.paths).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'CANCELLED') throw error;
      run.log(
        `the cluster ports could not be tested (${error instanceof Error ? error.message : String(error)}); going on\n`,
      );
      return [];
    });
    // A busy machine can miss a probe: what looked blocked is tested again before anything is
    // blamed, and only a flow blocked both times counts.
    const first = results.filter((r) => r.status === 'blocked');
    const again = first.length
      ? await test(action.paths.filter((p) => first.some((b) => samePath(b, p)))).catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'CANCELLED') throw error;
          return [];
        })
      : [];
    for (const r of again) {
      const i = results.findIndex((x) => samePath(x, r));
      if (i >= 0) results[i] = r;
    }
    const blocked = results.filter((r) => r.status === 'blocked');
    if (blocked.length) {
      const wanted = action.paths.filter((p) => blocked.some((b) => samePath(b, p)));
      // Only a rule that can match a blocked flow is a suspect: a UDP rule cannot cut a TCP port.
      const suspects = applied.filter((c) => wanted.some((p) => canMatch(c.command, p)));
      const culprit = await rollBack(
        async () => ((await test(wanted)).some((r) => r.status === 'blocked') ? 'blocked' : null),
        suspects,
      );
      const what = blocked.map(describe).join('; ');
      throw new AppError(
        'FIREWALL_BLOCKS_CLUSTER',
        culprit
          ? `${host}: with the new firewall rules, ${what}; the rule that cut it: “${culprit.what}” (${culprit.command}). Every new rule was taken back and nothing was made permanent.${await restored()}`
          : `${host}: ${what}, even without k3s-wizard’s rules (all taken back, nothing made permanent): another rule on ${host} or a firewall between the machines blocks it. Open it, then run again.${await restored()}`,
        { host, blocked: blocked.map((b) => `${b.from}:${b.port}/${b.proto}`) },
      );
    }
    logTested(action.paths, results, run.log);
  }

  const disarmed = await exec(disarmCommand(guardId), 'disarm the rollback guard');
  if (disarmed.code !== 0) {
    throw new AppError(
      'FIREWALL_LOCKOUT',
      `${host}: the checks took longer than the rollback guard (${action.guardSeconds} s), so the host already took the new rules back. Run again.`,
      { host },
    );
  }
  // Recorded on the host before anything is made permanent, so an uninstall (or the next run)
  // can take back exactly what was added, even when this run is killed half-way.
  const record = await runner.exec({
    command: recordUndoCommand(),
    sudo: true,
    stdin: undoLines([...action.runtime, ...action.permanent]),
    timeoutMs: 60_000,
    signal,
    what: 'record how to take these rules back',
  });
  if (record.code !== 0)
    throw new AppError(
      'COMMAND_FAILED',
      `${host}: could not record how to take the firewall rules back (${run.redact(record.stderr.trim().split('\n').pop() ?? '')}), so nothing was made permanent. The rules work until the next reboot; run again.`,
      { host },
    );
  for (const change of action.permanent) {
    const r = await exec(change.command, change.what);
    if (r.code !== 0) {
      throw new AppError(
        'COMMAND_FAILED',
        `${host}: could not ${change.what} (exit ${r.code ?? '?'}: ${run.redact(r.stderr.trim().split('\n').pop() ?? '')}). The rules work now but would not survive a reboot; run again.`,
        { host },
      );
    }
  }
  run.log(
    `${action.permanent.length ? 'made permanent' : 'applied'}: ${action.runtime.length + action.permanent.length} changes\n`,
  );
  return true;
}
