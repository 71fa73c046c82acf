/**
 * A scripted HostRunner for unit tests: each command is answered by the first matching rule;
 * every request is recorded (with stdin) so tests can check what went where.
 */
import { AppError } from '../../shared/errors';
import { sameFileCommand } from '../../shared/plan';
import type {
  BatchOutcome,
  BatchRequest,
  ExecOutcome,
  ExecRequest,
  HostRunner,
  SendFileRequest,
  UploadRequest,
  WriteFileRequest,
} from '../../electron/engine/host-runner';

export const FRESH_LOGIN = '# fresh login';

export interface FakeRule {
  match: RegExp | ((command: string) => boolean);
  /** Exit code, output, or a function computing them; `delayMs` waits (abortably) first. */
  reply?:
    | Partial<ExecOutcome>
    | ((request: ExecRequest, host: string) => Partial<ExecOutcome> | Promise<Partial<ExecOutcome>>);
  delayMs?: number;
  /** Throws this instead (a transport error). */
  fail?: AppError;
}

export interface Recorded {
  host: string;
  kind: 'exec' | 'write-file' | 'upload' | 'reboot' | 'login';
  command: string;
  sudo: boolean;
  stdin: string;
  at: number;
  /** What the engine said the command is for (execs only). */
  what?: string;
}

function sleep(ms: number, signal: AbortSignal, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AppError('CANCELLED', `cancelled on ${host}`));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError('CANCELLED', `The command on ${host} was cancelled.`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class FakeHostRunner implements HostRunner {
  roundTrips = 0;
  readonly files = new Map<string, { content: string; mode: string }>();

  constructor(
    readonly host: string,
    private readonly rules: FakeRule[],
    private readonly log: Recorded[],
  ) {}

  /** Batches this many parts (each recorded as its own exec or write-file). */
  batches: number[] = [];
  /** Root shells the engine asked to have started ahead (HostRunner.prepare), in order. */
  readonly prepared: { what: string; until: AbortSignal }[] = [];
  /** The requests (by what they were for) that came while one was ready for them. */
  readonly ranPrepared: string[] = [];

  prepare(whats: readonly string[], until: AbortSignal): void {
    for (const what of whats) if (!until.aborted) this.prepared.push({ what, until });
  }

  /** Takes a ready standby for `what`, as the SSH runner does (each used once). */
  private takePrepared(what: string): void {
    const at = this.prepared.findIndex((p) => p.what === what && !p.until.aborted);
    if (at < 0) return;
    this.prepared.splice(at, 1);
    this.ranPrepared.push(what);
  }

  async exec(request: ExecRequest): Promise<ExecOutcome> {
    this.roundTrips++;
    if (request.sudo && request.stdin === undefined) this.takePrepared(request.what);
    return this.answer(request);
  }

  /** One round trip; every part answered by the rules as if sent alone. */
  async batch(request: BatchRequest): Promise<BatchOutcome> {
    this.roundTrips++;
    if (request.sudo) this.takePrepared(request.what);
    this.batches.push(request.parts.length);
    const codes: number[] = [];
    for (const [index, part] of request.parts.entries()) {
      request.onPart?.(index);
      let code = 0;
      if (part.kind === 'write-file') {
        this.record({ path: part.path, mode: part.mode, content: part.content });
      } else {
        const r = await this.answer({
          command: part.command,
          sudo: request.sudo,
          ...(part.stdin !== undefined ? { stdin: part.stdin } : {}),
          ...(request.onOutput ? { onOutput: request.onOutput } : {}),
          timeoutMs: request.timeoutMs,
          signal: request.signal,
          what: request.what,
        });
        code = r.code ?? 1;
      }
      codes.push(code);
      if (code !== 0 && !(part.kind === 'exec' && part.optional)) return { codes, code };
      // As the script does: a passing "already done?" part ends it.
      if (code === 0 && part.kind === 'exec' && part.endIfOk) return { codes, code: 0 };
    }
    return { codes, code: 0 };
  }

  private async answer(request: ExecRequest): Promise<ExecOutcome> {
    this.log.push({
      host: this.host,
      kind: 'exec',
      command: request.command,
      sudo: request.sudo,
      stdin: request.stdin ?? '',
      at: Date.now(),
      ...(request.what ? { what: request.what } : {}),
    });
    const rule = this.rules.find((r) =>
      typeof r.match === 'function' ? r.match(request.command) : r.match.test(request.command),
    );
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = AbortSignal.any([request.signal, timeout]);
    try {
      if (rule?.delayMs) await sleep(rule.delayMs, signal, this.host);
    } catch (error) {
      if (timeout.aborted) throw new AppError('TIMEOUT', `The command on ${this.host} timed out.`);
      throw error;
    }
    if (rule?.fail) throw rule.fail;
    const reply =
      typeof rule?.reply === 'function' ? await rule.reply(request, this.host) : (rule?.reply ?? {});
    const out: ExecOutcome = { code: 0, stdout: '', stderr: '', signal: null, ...reply };
    if (out.stdout) request.onOutput?.('stdout', out.stdout);
    if (out.stderr) request.onOutput?.('stderr', out.stderr);
    return out;
  }

  writeFile(request: WriteFileRequest): Promise<void> {
    this.roundTrips++;
    this.record(request);
    return Promise.resolve();
  }

  private record(request: { path: string; mode: string; content: string }): void {
    this.log.push({
      host: this.host,
      kind: 'write-file',
      command: `write ${request.path}`,
      sudo: true,
      stdin: request.content,
      at: Date.now(),
    });
    this.files.set(request.path, { content: request.content, mode: request.mode });
  }

  private sent = 0;

  /**
   * One round trip: a file with `unlessSame` is compared first (its sameFileCommand answered
   * by the rules: exit 0, the host has it, not copied), the others copied.
   */
  async sendFiles(requests: readonly SendFileRequest[]): Promise<(string | null)[]> {
    this.roundTrips++;
    const temps: (string | null)[] = [];
    for (const request of requests) {
      if (request.unlessSame) {
        const same = await this.answer({
          command: sameFileCommand(request.unlessSame),
          sudo: true,
          timeoutMs: request.timeoutMs,
          signal: request.signal,
          what: `compare ${request.unlessSame.remotePath}`,
        });
        if (same.code === 0) {
          temps.push(null);
          continue;
        }
      }
      const temp = `/tmp/.k3s-wizard-upload-${++this.sent}`;
      this.log.push({
        host: this.host,
        kind: 'upload',
        command: `upload ${request.localFile} ${temp}`,
        sudo: false,
        stdin: '',
        at: Date.now(),
      });
      request.onProgress?.(10, 10);
      temps.push(temp);
    }
    return temps;
  }

  upload(request: UploadRequest): Promise<{ skipped: boolean }> {
    this.roundTrips++;
    this.log.push({
      host: this.host,
      kind: 'upload',
      command: `upload ${request.localFile} ${request.remotePath}`,
      sudo: true,
      stdin: '',
      at: Date.now(),
    });
    request.onProgress?.(10, 10);
    return Promise.resolve({ skipped: false });
  }

  /** Answered by the rule matching the pseudo-command "# fresh login" (its `fail`, or success). */
  async freshLogin(request: { timeoutMs: number; signal: AbortSignal }): Promise<void> {
    this.roundTrips++;
    this.log.push({
      host: this.host,
      kind: 'login',
      command: FRESH_LOGIN,
      sudo: false,
      stdin: '',
      at: Date.now(),
    });
    const rule = this.rules.find((r) =>
      typeof r.match === 'function' ? r.match(FRESH_LOGIN) : r.match.test(FRESH_LOGIN),
    );
    if (rule?.delayMs) await sleep(rule.delayMs, request.signal, this.host);
    if (rule?.fail) throw rule.fail;
  }

  rebootAndWait(): Promise<void> {
    this.roundTrips++;
    this.log.push({
      host: this.host,
      kind: 'reboot',
      command: 'reboot',
      sudo: true,
      stdin: '',
      at: Date.now(),
    });
    return Promise.resolve();
  }
}
