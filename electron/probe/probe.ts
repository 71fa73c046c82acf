/**
 * Probing a host: the facts script in one exec (one round trip), as root when the host allows
 * it. The command decides on the host itself whether it is root, can sudo without a password,
 * or needs the password we feed on stdin, so no extra round trip is spent asking first.
 */
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import { parseFacts } from '../../shared/probe/parse';
import { FACTS_SCRIPT } from '../../shared/probe/script';
import { splitSections } from '../../shared/probe/sections';
import { redactText } from '../../shared/redact';
import { shQuote } from '../../shared/shell';
import type { PoolTarget, SessionPool } from '../ssh/pool';
import { asRoot, LADDER, sudoFailure } from '../ssh/sudo';

export interface ProbeOptions {
  pool: SessionPool;
  target: PoolTarget;
  /** The sudo password, when the user gave one. Sent on stdin only. */
  sudoPassword?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * The one command: prints `@@sudo-mode` and how root was reached, then the facts. Without a
 * usable sudo the script still runs unprivileged, and the facts that need root stay unknown.
 */
export function probeCommand(havePassword: boolean, script: string = FACTS_SCRIPT): string {
  const run = 'sh -c "$S"';
  const keep = ['SSH_CONNECTION'];
  const { isRoot, hasSudo, sudoWithoutPassword } = LADDER;
  return [
    `S=${shQuote(script)}`,
    `mode() { printf '@@sudo-mode\\n%s\\n' "$1"; }`,
    `if ${isRoot}; then mode root; ${asRoot('root', run)}`,
    `elif ${hasSudo} && ${sudoWithoutPassword}; then mode nopasswd; ${asRoot('nopasswd', run, keep)}`,
    havePassword
      ? `elif ${hasSudo}; then mode password; ${asRoot('password', run, keep)}`
      : `elif ${hasSudo}; then mode password-missing; ${run}`,
    `else mode unavailable; ${run}; fi`,
  ].join('\n');
}

function sudoMode(value: string | undefined): HostFacts['sudo'] {
  switch (value) {
    case 'root':
    case 'nopasswd':
    case 'password':
    case 'unavailable':
      return value;
    case 'password-missing':
      return 'password';
    default:
      return null;
  }
}

export async function probeHost(options: ProbeOptions): Promise<HostFacts> {
  const { pool, target } = options;
  const session = await pool.session(target);
  const startedMs = Date.now();
  const result = await session.exec(probeCommand(Boolean(options.sudoPassword)), {
    stdin: options.sudoPassword ? `${options.sudoPassword}\n` : '',
    timeoutMs: options.timeoutMs ?? 90_000,
    step: 'probe',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Remote stderr quoted in an error: never with a secret in it.
  const secrets = options.sudoPassword ? [options.sudoPassword] : [];
  const lastError = (pick: (lines: string[]) => string | undefined): string =>
    redactText(pick(result.stderr.trim().split('\n')) ?? '', secrets);
  const modeLine = splitSections(result.stdout).get('sudo-mode')?.split('\n')[0];
  const mode = sudoMode(modeLine);
  if (modeLine === 'password' && !/^@@end\s*$/m.test(result.stdout)) {
    // sudo refused before the script started: say why (wrong password, not allowed…).
    throw (
      sudoFailure(result.stderr, session.target) ??
      new AppError('SUDO_UNAVAILABLE', `sudo on ${target.host} failed: ${lastError((lines) => lines[0])}`, {
        host: target.host,
      })
    );
  }
  if (!/^@@end\s*$/m.test(result.stdout)) {
    throw new AppError(
      'COMMAND_FAILED',
      `The probe on ${target.host} stopped early (exit ${result.code ?? result.signal ?? '?'}): ${lastError((lines) => lines.at(-1))}`,
      { host: target.host, step: 'probe' },
    );
  }
  return parseFacts(result.stdout, { localClockMs: startedMs, sudo: mode });
}
