/**
 * The one sudo ladder: how a command gets root on a host. Nothing to do for root, `sudo -n` when
 * sudo needs no password, else `sudo -S -p ''` with the password as the first line of stdin
 * (never on a command line). A wrong password is an error, never a hang and never retried (no
 * lockouts). The probe climbs the same rungs in its single command (`electron/probe/probe.ts`);
 * the run engine climbs them through `Sudo` below.
 */
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import { redactText } from '../../shared/redact';
import { shJoin, shQuote } from '../../shared/shell';
import { describeTarget } from './errors';
import type { ExecOptions, ExecResult, SshSession, SshTarget, Standby } from './session';

export type SudoMode = NonNullable<HostFacts['sudo']>;

/** The rungs, as shell tests that run on the host, top to bottom. */
export const LADDER = {
  isRoot: '[ "$(id -u)" = 0 ]',
  hasSudo: 'command -v sudo >/dev/null 2>&1',
  sudoWithoutPassword: 'sudo -n true >/dev/null 2>&1',
} as const;

/**
 * The command line that runs `shell` (an already quoted shell command) as root in `mode`. With
 * 'password', the password must be the first line of stdin. `keepEnv` names login-shell
 * variables (e.g. SSH_CONNECTION) that sudo would drop.
 */
export function asRoot(
  mode: Exclude<SudoMode, 'unavailable'>,
  shell: string,
  keepEnv: readonly string[] = [],
): string {
  if (mode === 'root') return shell;
  for (const name of keepEnv)
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`Not a variable name: ${name}`);
  // Expanded by the login shell on purpose: the values are the host's own, not ours.
  const env = keepEnv.length ? `env ${keepEnv.map((name) => `"${name}=$${name}"`).join(' ')} ` : '';
  if (mode === 'nopasswd') return `sudo -n ${env}${shell}`;
  // -k: ignore a cached timestamp, so sudo always reads (and removes) the password line.
  return `sudo -k -S -p '' ${env}${shell}`;
}

const DETECT = [
  'id -u',
  `if ${LADDER.hasSudo}; then`,
  `  if ${LADDER.sudoWithoutPassword}; then echo nopasswd; else echo password; fi`,
  'else echo no-sudo; fi',
].join('\n');

// The first command as root on a session whose mode is not known yet: the ladder climbed and,
// on the rungs that need no password, the command run, in one round trip. The mode comes first
// on a line of its own (printed before the command starts, so the command cannot fake it).
const FOLD_MARK = 'k3s-wizard-sudo-mode';
function foldedCommand(command: string, keepEnv: readonly string[]): string {
  const run = 'sh -c "$1"';
  const { isRoot, hasSudo, sudoWithoutPassword } = LADDER;
  const script = [
    `mode() { printf '%s %s\\n' ${FOLD_MARK} "$1"; }`,
    `if ${isRoot}; then mode root; ${asRoot('root', run)}`,
    `elif ${hasSudo} && ${sudoWithoutPassword}; then mode nopasswd; ${asRoot('nopasswd', run, keepEnv)}`,
    `elif ${hasSudo}; then mode password`,
    'else mode unavailable; fi',
  ].join('\n');
  return shJoin(['sh', '-c', script, 'k3s-wizard-sudo', command]);
}

/** Strips the mode line off a folded command's stdout as it streams; tells the mode once read. */
class FoldedStdout {
  private head = '';
  mode: SudoMode | null = null;
  private found = false;
  private prefix = '';

  constructor(private onText?: (text: string) => void) {}

  /** Reads the mode from the whole stdout when it did not stream (nothing more is told). */
  settle(stdout: string): void {
    if (this.found) return;
    this.onText = undefined;
    this.head = '';
    this.feed(stdout);
  }

  feed(text: string): void {
    if (this.found) {
      if (text) this.onText?.(text);
      return;
    }
    // Only a login banner can come before the mode line: bounded, a hostile host cannot flood it.
    this.head = (this.head + text).slice(-65_536);
    const match = new RegExp(`(^|\\n)${FOLD_MARK} (root|nopasswd|password|unavailable)\\n`).exec(this.head);
    if (!match) return;
    this.found = true;
    this.mode = match[2] as SudoMode;
    this.prefix = this.head.slice(0, match.index + match[0].length);
    const rest = this.head.slice(this.prefix.length);
    this.head = '';
    if (rest) this.onText?.(rest);
  }

  /** The command's own stdout: the whole stream without what came up to the mode line. */
  strip(stdout: string): string {
    return this.prefix && stdout.startsWith(this.prefix) ? stdout.slice(this.prefix.length) : stdout;
  }
}

const WRONG_PASSWORD = /Sorry, try again|incorrect password attempt/i;
const NOT_ALLOWED = /not in the sudoers|is not allowed to|may not run sudo|not allowed to execute/i;
const NEEDS_TTY = /a terminal is required|no tty present|must have a tty/i;

/** Reads the output of the detection script. */
export function parseSudoDetection(stdout: string): SudoMode | null {
  const [uid, verdict] = stdout.trim().split(/\s+/);
  if (uid === '0') return 'root';
  if (verdict === 'nopasswd') return 'nopasswd';
  if (verdict === 'password') return 'password';
  if (verdict === 'no-sudo') return 'unavailable';
  return null;
}

/** sudo's complaints as clear errors (null when sudo itself was fine). */
export function sudoFailure(stderr: string, target: SshTarget): AppError | null {
  const where = describeTarget(target);
  const details = { host: target.host, user: target.user };
  if (WRONG_PASSWORD.test(stderr)) {
    return new AppError(
      'SUDO_PASSWORD_WRONG',
      `sudo on ${where} did not accept the password. It was not retried, so the account is not locked: check it and try again.`,
      details,
    );
  }
  if (NOT_ALLOWED.test(stderr)) {
    return new AppError(
      'SUDO_UNAVAILABLE',
      `${target.user} may not use sudo on ${where}. Log in as root or as a user in the sudo group.`,
      details,
    );
  }
  if (NEEDS_TTY.test(stderr)) {
    return new AppError(
      'SUDO_UNAVAILABLE',
      `sudo on ${where} insists on a terminal (requiretty): remove "Defaults requiretty" or log in as root.`,
      details,
    );
  }
  return null;
}

/** How long the probe's root shell waits for a script (see Sudo.adopt). */
export const SPARE_MS = 30_000;

export class Sudo {
  private mode: SudoMode | null = null;
  private spare: Standby | null = null;
  private validated = false;
  /** A password sudo refused: never tried again on this session (no lockout); new credentials make a new Sudo. */
  private refused: AppError | null = null;

  constructor(
    private readonly session: SshSession,
    private readonly options: { password?: string } = {},
  ) {}

  private get where(): string {
    return describeTarget(this.session.target);
  }

  /**
   * How root is reached on this session, as the facts probe found it over the same session (its
   * command climbs the same ladder): the run then skips its own detection round trip. A password
   * is still checked before its first use.
   */
  learn(mode: SudoMode): void {
    this.mode ??= mode;
  }

  /** How this host gets root; asked once per session object. */
  async detect(): Promise<SudoMode> {
    if (this.mode) return this.mode;
    const result = await this.session.exec(`sh -c ${shQuote(DETECT)}`, {
      step: 'detect sudo',
      timeoutMs: 20_000,
    });
    const mode = parseSudoDetection(result.stdout);
    if (!mode) {
      throw new AppError('SUDO_UNAVAILABLE', `Could not tell how to get root on ${this.where}.`, {
        host: this.session.target.host,
      });
    }
    this.mode = mode;
    return mode;
  }

  private failure(stderr: string): AppError | null {
    return sudoFailure(stderr, this.session.target);
  }

  /** Checks the sudo password once, with nothing after it on stdin, so a wrong one cannot be re-read. */
  async validate(): Promise<SudoMode> {
    const mode = await this.detect();
    if (mode === 'unavailable') {
      throw new AppError('SUDO_UNAVAILABLE', `${this.where} has no sudo: log in as root instead.`, {
        host: this.session.target.host,
      });
    }
    if (mode !== 'password' || this.validated) return mode;
    if (this.refused) throw this.refused;
    const password = this.options.password;
    if (!password) {
      throw new AppError(
        'SUDO_PASSWORD_REQUIRED',
        `sudo on ${this.where} needs a password: enter it to continue.`,
        {
          host: this.session.target.host,
          user: this.session.target.user,
        },
      );
    }
    const result = await this.session.exec("sudo -k -S -p '' true", {
      stdin: `${password}\n`,
      step: 'check the sudo password',
      timeoutMs: 30_000,
    });
    if (result.code !== 0) {
      const refused = this.failure(result.stderr);
      if (refused?.code === 'SUDO_PASSWORD_WRONG') this.refused = refused;
      throw (
        refused ??
        new AppError(
          'SUDO_UNAVAILABLE',
          `sudo on ${this.where} failed: ${redactText(result.stderr.trim().split('\n')[0] ?? 'no message', [password])}`,
          { host: this.session.target.host },
        )
      );
    }
    this.validated = true;
    return mode;
  }

  /** The command line that runs `command` (a shell command) as root, and the stdin prefix it needs. */
  async wrap(
    command: string,
    keepEnv: readonly string[] = [],
  ): Promise<{ command: string; stdinPrefix: string }> {
    const mode = await this.validate();
    if (mode === 'unavailable') throw new Error('validate() lets no host without sudo through');
    return this.wrapAs(mode, command, keepEnv);
  }

  private wrapAs(
    mode: Exclude<SudoMode, 'unavailable'>,
    command: string,
    keepEnv: readonly string[],
  ): { command: string; stdinPrefix: string } {
    const root = asRoot(mode, shJoin(['sh', '-c', command]), keepEnv);
    return { command: root, stdinPrefix: mode === 'password' ? `${this.options.password ?? ''}\n` : '' };
  }

  /**
   * The first command of a session whose mode is not known: the detection and, when no password
   * is needed, the command itself in one execution. Null when the command did not run (sudo
   * needs a password, or there is none): the mode is learned and the usual path goes on.
   */
  private async foldedExec(
    command: string,
    options: ExecOptions & { keepEnv?: readonly string[] },
  ): Promise<ExecResult | null> {
    const stdout = new FoldedStdout(options.onStdout);
    const { keepEnv, ...rest } = options;
    const result = await this.session.exec(foldedCommand(command, keepEnv ?? []), {
      ...rest,
      onStdout: (text) => stdout.feed(text),
    });
    stdout.settle(result.stdout);
    // No mode line: the command did not run; the usual detection says what went wrong.
    if (!stdout.mode) return null;
    this.mode ??= stdout.mode;
    if (stdout.mode !== 'root' && stdout.mode !== 'nopasswd') return null;
    return { ...result, stdout: stdout.strip(result.stdout) };
  }

  /**
   * A root shell that reads its script on stdin, started now for a script given later (see
   * SshSession.standby); null while how root is reached (and a password) is not checked yet.
   */
  standby(step: string): Standby | null {
    const mode = this.mode;
    if (!mode || mode === 'unavailable' || (mode === 'password' && !this.validated)) return null;
    const wrapped = this.wrapAs(mode, 'sh -s', []);
    const waiting = this.session.standby(wrapped.command, {
      step,
      ...(wrapped.stdinPrefix ? { stdin: wrapped.stdinPrefix } : {}),
    });
    return {
      run: (options) => {
        const ran = waiting.run(options);
        return ran && wrapped.stdinPrefix ? ran.then((result) => this.checked(result)) : ran;
      },
      release: () => waiting.release(),
      exited: waiting.exited,
    };
  }

  /**
   * The root shell the facts probe left waiting on this session (see probeHost), for the first
   * root script that comes while it waits: its channel, exec and sudo are over by then. The
   * probe climbed the ladder and, with a password, got through sudo with it: both known now.
   * Let go unused after SPARE_MS (one at most; a newer one replaces it).
   */
  adopt(mode: Exclude<SudoMode, 'unavailable'>, shell: Standby): void {
    this.learn(mode);
    if (mode === 'password') this.validated = true;
    this.spare?.release();
    this.spare = shell;
    const timer = setTimeout(() => {
      if (this.spare === shell) this.spare = null;
      shell.release();
    }, SPARE_MS);
    timer.unref();
    const gone = () => {
      clearTimeout(timer);
      if (this.spare === shell) this.spare = null;
    };
    shell.exited.then(gone, gone);
  }

  /** The probe's root shell, if one still waits: used once. */
  takeSpare(): Standby | null {
    const shell = this.spare;
    this.spare = null;
    return shell;
  }

  /** A command run through sudo with a password: exit 1 with sudo's own complaint is sudo's failure. */
  private checked(result: ExecResult): ExecResult {
    if (result.code === 1) {
      const error = this.failure(result.stderr);
      if (error) throw error;
    }
    return result;
  }

  /** Runs a shell command as root. */
  async exec(
    command: string,
    options: ExecOptions & { keepEnv?: readonly string[] } = {},
  ): Promise<ExecResult> {
    if (this.mode === null && !this.refused) {
      const folded = await this.foldedExec(command, options);
      if (folded) return folded;
    }
    const wrapped = await this.wrap(command, options.keepEnv);
    const stdin = options.stdin ?? '';
    const result = await this.session.exec(wrapped.command, {
      ...options,
      stdin: wrapped.stdinPrefix
        ? Buffer.concat([Buffer.from(wrapped.stdinPrefix), Buffer.from(stdin)])
        : stdin,
    });
    return wrapped.stdinPrefix ? this.checked(result) : result;
  }
}
