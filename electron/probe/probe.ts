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
import { MAX_OUTPUT_CHARS, type ExecResult, type SshSession } from '../ssh/session';
import { asRoot, LADDER, sudoFailure } from '../ssh/sudo';

export interface ProbeOptions {
  pool: SessionPool;
  target: PoolTarget;
  /** The sudo password, when the user gave one. Sent on stdin only. */
  sudoPassword?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Leave the root shell the facts were read in waiting for the first root script on this
   * session (a run about to start: see Sudo.adopt), instead of ending it.
   */
  keepShell?: boolean;
}

/**
 * The one command: prints `@@sudo-mode` and how root was reached, then the facts. Without a
 * usable sudo the script still runs unprivileged, and the facts that need root stay unknown.
 */
export function probeCommand(
  havePassword: boolean,
  script: string = FACTS_SCRIPT,
  options: { keepShell?: boolean } = {},
): string {
  const run = 'sh -c "$S"';
  // Kept: root's shell runs the facts script (its stdin not theirs), says so, then waits for a
  // script on its stdin (see Sudo.adopt); it ends when its stdin does.
  const asRootRun = options.keepShell
    ? `sh -c 'sh -c "$0" </dev/null; echo; echo @@${SHELL_WAITS}; exec sh -s' "$S"`
    : run;
  const keep = ['SSH_CONNECTION'];
  const { isRoot, hasSudo, sudoWithoutPassword } = LADDER;
  return [
    `S=${shQuote(script)}`,
    `mode() { printf '@@sudo-mode\\n%s\\n' "$1"; }`,
    `if ${isRoot}; then mode root; ${asRoot('root', asRootRun)}`,
    `elif ${hasSudo} && ${sudoWithoutPassword}; then mode nopasswd; ${asRoot('nopasswd', asRootRun, keep)}`,
    havePassword
      ? `elif ${hasSudo}; then mode password; ${asRoot('password', asRootRun, keep)}`
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

/**
 * The section a kept root shell prints once the facts script is over (see probeCommand): only
 * the root, nopasswd and password branches keep one (password-missing and unavailable run as the user).
 */
const SHELL_WAITS = 'root-shell-waits';

export async function probeHost(options: ProbeOptions): Promise<HostFacts> {
  const { pool, target } = options;
  const session = await pool.session(target);
  const startedMs = Date.now();
  const stdin = options.sudoPassword ? `${options.sudoPassword}\n` : '';
  const timeoutMs = options.timeoutMs ?? 90_000;
  const signal = options.signal ? { signal: options.signal } : {};
  if (!options.keepShell) {
    const result = await session.exec(probeCommand(Boolean(options.sudoPassword)), {
      stdin,
      timeoutMs,
      step: 'probe',
      ...signal,
    });
    return factsOf(result, { options, session, startedMs });
  }
  // The same command, its root shell left waiting once the facts are out (it says so).
  const said = { stdout: '', stderr: '' };
  const over = new AbortController();
  let factsOut!: () => void;
  const out = new Promise<null>((resolve) => (factsOut = () => resolve(null)));
  const shell = session.standby(
    probeCommand(Boolean(options.sudoPassword), FACTS_SCRIPT, { keepShell: true }),
    {
      step: 'probe',
      stdin,
      waitMs: timeoutMs,
      signal: options.signal ? AbortSignal.any([options.signal, over.signal]) : over.signal,
      onEarly: (stream, text) => {
        said[stream] += text;
        // As much as exec keeps of a command's output (a broken or hostile host).
        if (said.stdout.length + said.stderr.length > MAX_OUTPUT_CHARS)
          over.abort(
            new AppError('COMMAND_FAILED', `The probe on ${target.host} printed too much.`, {
              host: target.host,
            }),
          );
        else if (stream === 'stdout' && said.stdout.includes(`\n@@${SHELL_WAITS}\n`)) factsOut();
      },
    },
  );
  const ended = await Promise.race([out, shell.exited]);
  const result = ended ?? { ...said, code: null, signal: null };
  let facts: HostFacts;
  try {
    facts = factsOf(result, { options, session, startedMs });
  } catch (error) {
    shell.release();
    throw error;
  }
  // Kept only when it said it waits, which only a root shell does (after the facts).
  if (!ended && facts.sudo && facts.sudo !== 'unavailable')
    (await pool.sudo(target)).adopt(facts.sudo, shell);
  else shell.release();
  return facts;
}

function factsOf(
  result: ExecResult,
  { options, session, startedMs }: { options: ProbeOptions; session: SshSession; startedMs: number },
): HostFacts {
  const { target } = options;
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
