/**
 * The HostRunner over the session pool: one connection per host, root through the Sudo
 * decorator (password on stdin only), files written through stdin, uploads over SFTP to a
 * private temporary name and then moved into place as root.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import {
  BatchMarkers,
  batchScript,
  placeFileCommand,
  sameFileCommand,
  writeFileCommand,
  type RemoteFile,
} from '../../shared/plan';
import { redactText } from '../../shared/redact';
import { shJoin } from '../../shared/shell';
import type { PoolTarget, SessionPool } from '../ssh/pool';
import type { Standby } from '../ssh/session';
import { sha256Of } from './local-files';
import { uploadAll } from '../ssh/sftp';
import type {
  BatchOutcome,
  BatchRequest,
  ExecOutcome,
  ExecRequest,
  HostRunner,
  RebootRequest,
  SendFileRequest,
  UploadRequest,
  WriteFileRequest,
} from './host-runner';

// Something that changes on every boot: the kernel's boot id, and PID 1's start time (the
// lab's hosts share the kernel of the machine they run on).
const BOOT_MARK = "cat /proc/sys/kernel/random/boot_id; awk '{print $22}' /proc/1/stat";

export class SshHostRunner implements HostRunner {
  roundTrips = 0;
  /** Root shells started ahead, by what the command or batch they wait for is for. */
  private readonly standing = new Map<string, Standby>();
  private readonly starting = new Set<string>();

  constructor(
    private readonly pool: SessionPool,
    private readonly target: PoolTarget,
    readonly host: string,
  ) {}

  /**
   * Starts a root shell now for each command or batch named in `whats` that follows soon on
   * this host (see SshSession.standby): its channel, exec and sudo are then over when it comes.
   * Those not used by the time `until` fires end unused.
   */
  prepare(whats: readonly string[], until: AbortSignal): void {
    for (const what of whats) {
      if (this.standing.has(what) || this.starting.has(what) || until.aborted) continue;
      this.starting.add(what);
      void this.pool.sudo(this.target).then(
        (sudo) => {
          // Asked for before it was there (it ran the usual way), or no longer needed.
          if (!this.starting.delete(what) || until.aborted) return;
          const standby = sudo.standby(what);
          if (!standby) return;
          this.roundTrips++;
          this.standing.set(what, standby);
          until.addEventListener(
            'abort',
            () => {
              if (this.standing.get(what) === standby) this.standing.delete(what);
              standby.release();
            },
            { once: true },
          );
        },
        () => this.starting.delete(what),
      );
    }
  }

  /** The standby for `what`, if one waits: each is used once. */
  private take(what: string): Standby | undefined {
    this.starting.delete(what);
    const standby = this.standing.get(what);
    this.standing.delete(what);
    return standby;
  }

  exec(request: ExecRequest): Promise<ExecOutcome> {
    // A standby runs a command given as a script: on its own, with nothing on its stdin.
    return this.run(
      request,
      request.sudo && request.stdin === undefined
        ? `exec ${shJoin(['sh', '-c', request.command])} </dev/null\n`
        : null,
    );
  }

  /** Runs the request; as `script` on a standby started for it when there is one. */
  private async run(request: ExecRequest, script: string | null): Promise<ExecOutcome> {
    const options = {
      ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
      onStdout: (text: string) => request.onOutput?.('stdout', text),
      onStderr: (text: string) => request.onOutput?.('stderr', text),
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      step: request.what,
    };
    const given = { ...options, stdin: script ?? '' };
    // One started for it, else the root shell the facts probe left waiting (see Sudo.adopt).
    const ran =
      script === null
        ? null
        : (this.take(request.what)?.run(given) ??
          (request.sudo ? (await this.pool.sudo(this.target)).takeSpare()?.run(given) : null));
    if (ran) return ran;
    this.roundTrips++;
    if (request.sudo) return (await this.pool.sudo(this.target)).exec(request.command, options);
    // The login shell may not be sh (fish, csh): plan commands are sh.
    return (await this.pool.session(this.target)).exec(shJoin(['sh', '-c', request.command]), options);
  }

  private async mustExec(request: Omit<ExecRequest, 'what'> & { what: string }): Promise<ExecOutcome> {
    const r = await this.exec(request);
    if (r.code !== 0) {
      throw new AppError(
        'COMMAND_FAILED',
        `${this.host}: could not ${request.what} (exit ${r.code ?? r.signal ?? '?'}): ${redactText(r.stderr.trim().split('\n').pop() ?? '')}`,
        { host: this.host },
      );
    }
    return r;
  }

  async batch(request: BatchRequest): Promise<BatchOutcome> {
    const nonce = randomBytes(10).toString('hex');
    const markers = new BatchMarkers(nonce);
    const codes: number[] = [];
    const read = (got: ReturnType<BatchMarkers['feed']>) => {
      for (const marker of got.markers) {
        // Only the parts sent (the host prints these lines; a wrong index is ignored).
        if (marker.index >= request.parts.length) continue;
        if (marker.type === 'start') request.onPart?.(marker.index);
        else codes[marker.index] = marker.code;
      }
      if (got.output) request.onOutput?.('stdout', got.output);
    };
    const script = batchScript(request.parts, nonce);
    const r = await this.run(
      {
        command: 'sh -s',
        sudo: request.sudo,
        stdin: script,
        onOutput: (stream, text) =>
          stream === 'stdout' ? read(markers.feed(text)) : request.onOutput?.(stream, text),
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        what: request.what,
      },
      // The standby is that same root `sh -s`.
      request.sudo ? script : null,
    );
    read(markers.end());
    return { codes, code: r.code };
  }

  async writeFile(request: WriteFileRequest): Promise<void> {
    await this.mustExec({
      command: writeFileCommand(request),
      sudo: true,
      stdin: request.content,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      what: `write ${request.path}`,
    });
  }

  async upload(given: UploadRequest): Promise<{ skipped: boolean }> {
    // Without a published checksum (install.sh) the file's own hash still verifies the copy
    // and recognises one already there.
    const file = { ...given, sha256: given.sha256 ?? (await sha256Of(given.localFile, given.signal)) };
    const [temp] = await this.sendFiles([{ ...file, unlessSame: file }]);
    if (!temp) return { skipped: true };
    await this.mustExec({
      command: placeFileCommand({ ...file, temp }),
      sudo: true,
      timeoutMs: file.timeoutMs,
      signal: file.signal,
      what: `put ${file.remotePath} in place`,
    });
    return { skipped: false };
  }

  async sendFiles(requests: readonly SendFileRequest[]): Promise<(string | null)[]> {
    if (!requests.length) return [];
    const session = await this.pool.session(this.target);
    // The login user's private temporary files; root moves them into place afterwards.
    const temps = requests.map(() => `/tmp/.k3s-wizard-upload-${randomBytes(6).toString('hex')}`);
    const first = requests[0] as SendFileRequest;
    this.roundTrips++;
    const sent = await this.toTemp(() =>
      uploadAll(
        session,
        requests.map((request, i) => ({
          from: request.localFile,
          to: temps[i] as string,
          // A new file, created private: no chmod after it.
          mode: 0o600,
          exactMode: false,
          ...(request.unlessSame ? { unlessAt: request.unlessSame.remotePath } : {}),
          ...(request.onProgress
            ? {
                onProgress: (p: { transferred: number; total: number }) =>
                  request.onProgress?.(p.transferred, p.total),
              }
            : {}),
        })),
        `copy ${requests.map((r) => r.localFile).join(', ')}`,
        {
          // The files already there, compared as root in one round trip (their mode made right).
          same: async (indexes) => {
            const files = indexes.map((i) => requests[i]?.unlessSame as RemoteFile);
            const r = await this.batch({
              parts: files.map((file) => ({
                kind: 'exec',
                command: sameFileCommand(file),
                optional: true,
                concurrent: true,
              })),
              sudo: true,
              timeoutMs: Math.min(60_000, first.timeoutMs),
              signal: first.signal,
              what: `compare ${files.map((f) => f.remotePath).join(', ')} with the ones on ${this.host}`,
            });
            return files.map((_, k) => r.codes[k] === 0);
          },
        },
      ),
    );
    return temps.map((temp, i) => (sent[i] ? temp : null));
  }

  /** A copy the host refused, with what to look at there. */
  private async toTemp<T>(copy: () => Promise<T>): Promise<T> {
    try {
      return await copy();
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'FILE_ERROR') throw error;
      throw new AppError(
        'FILE_ERROR',
        `${error.message}. Files are copied to /tmp as ${this.target.user} first, then put in place as root: ${this.target.user} must be able to create files in /tmp on ${this.host}, with room for them.`,
        error.details,
      );
    }
  }

  async freshLogin(request: { timeoutMs: number; signal: AbortSignal }): Promise<void> {
    this.roundTrips++;
    if (request.signal.aborted) throw new AppError('CANCELLED', `Logging in to ${this.host} was cancelled.`);
    const session = await this.pool.freshSession(this.target, { readyTimeoutMs: request.timeoutMs });
    try {
      const r = await session.exec('true', {
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        step: 'log in again',
      });
      if (r.code !== 0)
        throw new AppError('COMMAND_FAILED', `${this.host}: a new login could not run a command.`);
    } finally {
      session.close();
    }
  }

  async rebootAndWait(request: RebootRequest): Promise<void> {
    const before = (
      await this.mustExec({
        command: BOOT_MARK,
        sudo: false,
        timeoutMs: 20_000,
        signal: request.signal,
        what: 'read the boot id',
      })
    ).stdout;
    // Detached, so the command returns before the connection drops.
    await this.mustExec({
      command: 'nohup sh -c "sleep 1; systemctl reboot || reboot" >/dev/null 2>&1 &',
      sudo: true,
      timeoutMs: 20_000,
      signal: request.signal,
      what: 'reboot',
    });
    this.pool.drop(this.target);
    const started = Date.now();
    const deadline = started + request.timeoutMs;
    await new Promise((r) => setTimeout(r, 3000));
    for (;;) {
      request.onWaiting?.(Date.now() - started);
      if (request.signal.aborted)
        throw new AppError('CANCELLED', `Waiting for ${this.host} to come back was cancelled.`);
      try {
        const now = await this.exec({
          command: BOOT_MARK,
          sudo: false,
          timeoutMs: 15_000,
          signal: request.signal,
          what: 'read the boot id',
        });
        if (now.code === 0 && now.stdout !== before) return;
      } catch (error) {
        if (error instanceof AppError && (error.code === 'CANCELLED' || error.code.startsWith('HOST_KEY')))
          throw error;
        this.pool.drop(this.target);
      }
      if (Date.now() > deadline) {
        throw new AppError(
          'HOST_DID_NOT_RETURN',
          `${this.host} did not come back within ${Math.round(request.timeoutMs / 1000)} s after the reboot.`,
          { host: this.host },
        );
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}
