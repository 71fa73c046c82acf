/**
 * One SSH connection to one host, on ssh2. Host keys are always verified; commands return
 * stdout, stderr, exit code and signal separately; a dropped connection rejects every call in
 * flight with CONNECTION_LOST naming the host and step.
 */
import { connect } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import pLimit from 'p-limit';
import { Client, type ClientChannel, type ServerHostKeyAlgorithm, type SFTPWrapper } from 'ssh2';
import { AppError } from '../../shared/errors';
import { authConfig, signKeyAtOnce, type SshCredentials } from './auth';
import { packetWrites } from './socket';
import {
  CLOSED_EARLY,
  closedEarly,
  connectError,
  connectionLost,
  describeTarget,
  type SshTarget,
} from './errors';
import type { HostKeyOffer, HostKeyPolicy } from './host-key-policy';

export type { SshTarget } from './errors';
export type { HostKeyOffer } from './host-key-policy';

export interface SessionOptions {
  target: SshTarget;
  credentials: SshCredentials;
  /** Decides whether the host's key is trusted (and remembers what it offered). */
  hostKeys: HostKeyPolicy;
  /** Connect through this session (ProxyJump). */
  via?: SshSession;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Default for exec when the call gives none. */
  commandTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What this command is for, named in errors ("probe", "install k3s"). */
  step?: string;
  /** Characters kept per stream (the tail); default MAX_OUTPUT_CHARS. */
  maxOutputChars?: number;
  /**
   * Keeps the command's stdin open (after `stdin`) until this signal fires, then ends it: a
   * command that reads its stdin can be asked to finish on its own, and the call still waits
   * for its exit (the `signal` option, by contrast, drops the channel at once).
   */
  stdinOpenUntil?: AbortSignal;
  /**
   * With stdinOpenUntil: called once the command runs, with a way to write more to its stdin
   * until it is ended (a command that takes further requests there).
   */
  onStdin?: (write: (text: string) => void) => void;
}

/**
 * A command started ahead of its input (SshSession.standby). It holds one of the connection's
 * channels while it waits: release it when it is not needed after all.
 */
export interface Standby {
  /**
   * Gives the waiting command its input (`stdin`, then stdin is ended), its output handlers,
   * timeout and signal, and waits for it as exec does. Null when it no longer waits (it ended
   * on its own, was released or lost its connection): run the command the usual way.
   */
  run(options: ExecOptions): Promise<ExecResult> | null;
  /** Ends its stdin unused: it reads no input and exits. */
  release(): void;
  /** The command's end, whenever it comes (all it printed, before and after `run`). */
  readonly exited: Promise<ExecResult>;
}

export interface StandbyOptions {
  step?: string;
  /** Written at once (sudo's password line). */
  stdin?: string;
  /**
   * What it prints while it waits, as it comes (a command that first says something, then
   * waits for its input); left out of what `run` then gives and returns.
   */
  onEarly?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Stops it while it waits (not once it runs: `run` gets its own signal). */
  signal?: AbortSignal;
  /** The longest it may wait before it is run; then it is stopped (a TIMEOUT). */
  waitMs?: number;
}

/** The longest a standby waits for its input (the most a timer holds is about 24 days). */
const STANDBY_MAX_MS = 24 * 3600_000;

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

/**
 * What is kept of one command's stdout (and of its stderr): a broken or hostile host must not
 * exhaust this computer's memory. The tail is kept (where errors are), with a note of the cut.
 */
export const MAX_OUTPUT_CHARS = 8 * 1024 * 1024;

/** Collects a stream's text, keeping at most `max` characters of its end. */
class Tail {
  private text = '';
  private cut = 0;

  constructor(private readonly max: number) {}

  add(chunk: string): void {
    this.text += chunk;
    // Trimmed at twice the limit, so a flood costs amortised linear time.
    if (this.text.length > this.max * 2) this.trim();
  }

  private trim(): void {
    if (this.text.length <= this.max) return;
    this.cut += this.text.length - this.max;
    this.text = this.text.slice(-this.max);
  }

  value(): string {
    this.trim();
    return this.cut ? `[k3s-wizard: ${this.cut} characters cut from the start]\n${this.text}` : this.text;
  }
}

// OpenSSH allows 10 sessions per connection by default (MaxSessions); stay below it.
const MAX_CHANNELS = 8;

const SERVER_HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Tries per login when the machine hangs up before it is done (see `SshSession.open`). */
const LOGIN_ATTEMPTS = 3;

export class SshSession {
  readonly target: SshTarget;
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private readonly inFlight = new Map<(error: AppError) => void, string | undefined>();
  private readonly channels = pLimit(MAX_CHANNELS);
  private readonly readyTimeoutMs: number;

  constructor(private readonly options: SessionOptions) {
    this.target = options.target;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  }

  get connected(): boolean {
    return this.client !== null && this.connecting === null;
  }

  /**
   * Resolves when logged in; rejects on a refused key, a failed login, a timeout or an early close.
   * `trustNew`: a host key seen for the first time is trusted in the key exchange itself (the
   * policy's acceptNew: never a changed, revoked or other-type key) and told to it, so trust on
   * first use costs no second login.
   */
  connect(options: { trustNew?: (offer: HostKeyOffer) => void } = {}): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.open(options.trustNew).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * Logs in, trying again (twice, after a short pause) when the machine closed or reset the
   * connection before the login finished: a busy Pi, a flaky Wi-Fi or an sshd just (re)starting
   * does that now and then, and a run should not fail on it. A refused key, a failed login or a
   * timeout is final at once.
   */
  private async open(trustNew?: (offer: HostKeyOffer) => void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.openOnce(trustNew);
        return;
      } catch (error) {
        const early = error instanceof AppError && error.details?.reason === CLOSED_EARLY;
        const reset = error instanceof AppError && error.details?.reason === 'ECONNRESET';
        if (!(early || reset)) throw error;
        if (attempt >= LOGIN_ATTEMPTS) {
          throw new AppError(
            error.code,
            `${error.message} It did so ${LOGIN_ATTEMPTS} times in a row: the SSH server's log on the machine says why (\`journalctl -u ssh\`).`,
            { ...error.details, attempts: LOGIN_ATTEMPTS },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
      }
    }
  }

  private async openOnce(trustNew?: (offer: HostKeyOffer) => void): Promise<void> {
    const { target, hostKeys } = this.options;
    const auth = authConfig(this.options.credentials, this.options.env);
    // Our own socket (or the jump's stream), so that each SSH packet leaves in one segment.
    const sock = packetWrites(
      this.options.via
        ? await this.options.via.forwardOut(target.host, target.port)
        : connect({ host: target.host, port: target.port }),
    );
    const client = new Client();
    let refusal: AppError | null = null;
    // Like OpenSSH, prefer the key types already on record so a host with several keys is
    // not taken for a changed one just because it offered a different type.
    const preferred = hostKeys
      .preferredTypes(target.host, target.port)
      .flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type]))
      .filter((name): name is ServerHostKeyAlgorithm =>
        (SERVER_HOST_KEY_ALGORITHMS as string[]).includes(name),
      );

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      // What the machine had got to when it hung up: says where to look (sshd's log).
      let stage = 'before the key exchange';
      client.once('handshake', () => (stage = 'while logging in'));
      const fail = (error: AppError): void => {
        if (settled) return;
        settled = true;
        client.destroy();
        reject(error);
      };
      client.once('ready', () => {
        settled = true;
        this.client = client;
        resolve();
      });
      client.on('error', (error) => fail(refusal ?? connectError(error, target, this.readyTimeoutMs)));
      client.once('close', () => {
        if (this.client === client) this.client = null;
        fail(refusal ?? closedEarly(target, stage));
        this.failInFlight();
      });
      client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
        // Answer password-like prompts only; anything else (OTP…) cannot be answered unattended.
        const password = this.options.credentials.password;
        finish(prompts.map((p) => (password && /pass/i.test(p.prompt) ? password : '')));
      });
      try {
        client.connect({
          host: target.host,
          port: target.port,
          username: target.user,
          ...auth,
          sock,
          readyTimeout: this.readyTimeoutMs,
          // A busy Pi (or a loaded machine) can take many seconds to answer a keepalive; giving up
          // after ~15 s dropped healthy connections mid-install. A killed sshd still fails at once
          // (the TCP reset), and every command has its own timeout.
          keepaliveInterval: this.options.keepaliveIntervalMs ?? 15_000,
          keepaliveCountMax: this.options.keepaliveCountMax ?? 4,
          ...(preferred.length
            ? { algorithms: { serverHostKey: [...new Set([...preferred, ...SERVER_HOST_KEY_ALGORITHMS])] } }
            : {}),
          hostVerifier: (key: Buffer) => {
            stage = 'during the key exchange';
            refusal = hostKeys.verify(this.target, key);
            const offer = trustNew && refusal ? hostKeys.acceptNew(refusal) : null;
            if (offer) {
              refusal = null;
              trustNew?.(offer);
            }
            return refusal === null;
          },
        });
        signKeyAtOnce(client);
      } catch (error) {
        // A setting ssh2 refuses (a key it cannot read): the socket is ours to close.
        sock.destroy();
        throw error;
      }
    });
  }

  private failInFlight(): void {
    for (const [fail, step] of [...this.inFlight]) fail(connectionLost(this.target, step));
  }

  private requireClient(step: string | undefined): Client {
    if (!this.client || this.connecting) throw connectionLost(this.target, step);
    return this.client;
  }

  /** Runs one command; the exit code is returned, not thrown. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.channels(() => this.execNow(command, options));
  }

  /** How long a command may run: as asked, else the session's default. */
  private timeoutOf(options: ExecOptions): number {
    return options.timeoutMs ?? this.options.commandTimeoutMs ?? 120_000;
  }

  private timedOut(step: string | undefined, timeoutMs: number): AppError {
    return new AppError(
      'TIMEOUT',
      `The command${step ? ` "${step}"` : ''} on ${describeTarget(this.target)} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`,
      { host: this.target.host, step: step ?? null, timeoutMs },
    );
  }

  /**
   * Starts a command that reads what to do on its stdin (`sh -s`) now, for input given later:
   * its channel, exec and start-up (sudo's) are over by the time it is needed. `stdin` is
   * written at once (sudo's password line). See Standby.
   */
  standby(command: string, options: StandbyOptions = {}): Standby {
    const ended = new AbortController();
    const stopped = new AbortController();
    const { onEarly } = options;
    // With onEarly: what it prints once run, apart from what it said before.
    const taken = { stdout: new Tail(MAX_OUTPUT_CHARS), stderr: new Tail(MAX_OUTPUT_CHARS) };
    let write: ((text: string) => void) | null = null;
    // Its input, when it came before the channel was open (written, and stdin ended, once it is).
    let pending: string | null = null;
    let state: 'waiting' | 'taken' | 'over' = 'waiting';
    let sink: Pick<ExecOptions, 'onStdout' | 'onStderr'> = {};
    const early: { err: boolean; text: string }[] = [];
    const close = (input: string): void => {
      if (write) {
        write(input);
        ended.abort();
      } else {
        pending = input;
      }
    };
    const result = this.exec(command, {
      ...(options.stdin ? { stdin: options.stdin } : {}),
      stdinOpenUntil: ended.signal,
      onStdin: (w) => {
        write = w;
        if (pending === null) return;
        w(pending);
        ended.abort();
      },
      onStdout: (text) => said('stdout', text),
      onStderr: (text) => said('stderr', text),
      // It waits as long as the work before it takes; the time it is given starts with run().
      timeoutMs: STANDBY_MAX_MS,
      signal: stopped.signal,
      ...(options.step ? { step: options.step } : {}),
    });
    function said(stream: 'stdout' | 'stderr', text: string): void {
      const to = stream === 'stdout' ? sink.onStdout : sink.onStderr;
      if (state === 'taken' && onEarly) taken[stream].add(text);
      if (to) to(text);
      else if (state === 'waiting' && onEarly) onEarly(stream, text);
      else early.push({ err: stream === 'stderr', text });
    }
    // While it waits: stopped by the caller's signal, or once it waited too long.
    const stopWaiting = (reason: unknown) => {
      if (state !== 'waiting') return;
      state = 'over';
      stopped.abort(reason);
    };
    const onSignal = () => stopWaiting(options.signal?.reason);
    if (options.signal?.aborted) onSignal();
    else options.signal?.addEventListener('abort', onSignal, { once: true });
    const waitTimer =
      options.waitMs === undefined
        ? undefined
        : setTimeout(
            () => stopWaiting(this.timedOut(options.step, options.waitMs as number)),
            options.waitMs,
          );
    const over = () => {
      clearTimeout(waitTimer);
      options.signal?.removeEventListener('abort', onSignal);
      if (state === 'waiting') state = 'over';
    };
    result.then(over, over);
    return {
      exited: result,
      run: (given) => {
        if (state !== 'waiting') return null;
        state = 'taken';
        clearTimeout(waitTimer);
        options.signal?.removeEventListener('abort', onSignal);
        sink = given;
        for (const e of early.splice(0)) (e.err ? given.onStderr : given.onStdout)?.(e.text);
        const timeoutMs = this.timeoutOf(given);
        const timer = setTimeout(() => stopped.abort(this.timedOut(options.step, timeoutMs)), timeoutMs);
        const onAbort = () => stopped.abort();
        if (given.signal?.aborted) onAbort();
        else given.signal?.addEventListener('abort', onAbort, { once: true });
        close(given.stdin === undefined ? '' : String(given.stdin));
        return result
          .finally(() => {
            clearTimeout(timer);
            given.signal?.removeEventListener('abort', onAbort);
          })
          .then((r) => (onEarly ? { ...r, stdout: taken.stdout.value(), stderr: taken.stderr.value() } : r));
      },
      release: () => {
        if (state !== 'waiting') return;
        state = 'over';
        close('');
      },
    };
  }

  private execNow(command: string, options: ExecOptions): Promise<ExecResult> {
    const client = this.requireClient(options.step);
    const timeoutMs = this.timeoutOf(options);
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | null = null;
      let done = false;
      const out = new StringDecoder('utf8');
      const err = new StringDecoder('utf8');
      const result: ExecResult = { stdout: '', stderr: '', code: null, signal: null };
      const max = options.maxOutputChars ?? MAX_OUTPUT_CHARS;
      const kept = { stdout: new Tail(max), stderr: new Tail(max) };
      const finish = (error: AppError | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.inFlight.delete(finish);
        if (error) {
          if (channel) stop(channel);
          reject(error);
        } else {
          resolve(result);
        }
      };
      const stop = (ch: ClientChannel): void => {
        try {
          ch.signal('KILL');
        } catch {
          // servers may refuse signals; closing the channel is what matters
        }
        ch.close();
      };
      const step = options.step ? ` "${options.step}"` : '';
      const timer = setTimeout(() => finish(this.timedOut(options.step, timeoutMs)), timeoutMs);
      // A reason of our own (a standby's timeout) is the error; else the caller cancelled.
      const onAbort = (): void =>
        finish(
          options.signal?.reason instanceof AppError
            ? options.signal.reason
            : new AppError(
                'CANCELLED',
                `The command${step} on ${describeTarget(this.target)} was cancelled.`,
                {
                  host: this.target.host,
                  step: options.step ?? null,
                },
              ),
        );
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.inFlight.set(finish, options.step);

      client.exec(command, (error, ch) => {
        if (error) {
          finish(
            this.client === client
              ? new AppError(
                  'COMMAND_FAILED',
                  `${describeTarget(this.target)} refused to run a command: ${error.message}`,
                  { host: this.target.host, step: options.step ?? null },
                )
              : connectionLost(this.target, options.step),
          );
          return;
        }
        channel = ch;
        if (done) return stop(ch);
        ch.on('data', (chunk: Buffer) => {
          const text = out.write(chunk);
          kept.stdout.add(text);
          if (text) options.onStdout?.(text);
        });
        ch.stderr.on('data', (chunk: Buffer) => {
          const text = err.write(chunk);
          kept.stderr.add(text);
          if (text) options.onStderr?.(text);
        });
        ch.on('exit', (code: number | null, signal?: string) => {
          result.code = typeof code === 'number' ? code : null;
          result.signal = signal ?? null;
        });
        ch.on('close', () => {
          kept.stdout.add(out.end());
          kept.stderr.add(err.end());
          result.stdout = kept.stdout.value();
          result.stderr = kept.stderr.value();
          if (result.code === null && result.signal === null && this.client !== client) {
            finish(connectionLost(this.target, options.step));
          } else {
            finish(null);
          }
        });
        const until = options.stdinOpenUntil;
        if (!until) ch.end(options.stdin ?? '');
        else {
          if (options.stdin) ch.write(options.stdin);
          let ended = false;
          const end = () => {
            ended = true;
            ch.end();
          };
          if (until.aborted) end();
          else until.addEventListener('abort', end, { once: true });
          options.onStdin?.((text) => {
            if (!ended && !done) ch.write(text);
          });
        }
      });
    });
  }

  /** Opens an SFTP session for `use` and always closes it afterwards. */
  async withSftp<T>(use: (sftp: SFTPWrapper) => Promise<T>, step?: string): Promise<T> {
    return this.channels(async () => {
      const client = this.requireClient(step);
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((error, value) => (error ? reject(connectionLost(this.target, step)) : resolve(value))),
      );
      try {
        return await use(sftp);
      } finally {
        sftp.end();
      }
    });
  }

  /** A TCP stream to host:port from this host (used to jump to a further host). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    return this.connect().then(
      () =>
        new Promise<Duplex>((resolve, reject) =>
          this.requireClient('jump').forwardOut('127.0.0.1', 0, host, port, (error, stream) =>
            error
              ? reject(
                  new AppError(
                    'HOST_UNREACHABLE',
                    `${describeTarget(this.target)} could not open a connection to ${host}:${port} for the jump: ${error.message}`,
                    { host, port, via: this.target.host },
                  ),
                )
              : resolve(stream),
          ),
        ),
    );
  }

  close(): void {
    const client = this.client;
    this.client = null;
    client?.end();
  }
}
