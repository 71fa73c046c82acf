/**
 * The HostRunner over the session pool: one connection per host, root through the Sudo
 * decorator (password on stdin only), files written through stdin, uploads over SFTP to a
 * private temporary name and then moved into place as root.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import { redactText } from '../../shared/redact';
import { shJoin } from '../../shared/shell';
import type { PoolTarget, SessionPool } from '../ssh/pool';
import { sha256Of } from './local-files';
import { upload } from '../ssh/sftp';
import type {
  ExecOutcome,
  ExecRequest,
  HostRunner,
  RebootRequest,
  UploadRequest,
  WriteFileRequest,
} from './host-runner';

// Written beside the target and renamed, so an interrupted write never leaves half a file.
const WRITE_SCRIPT =
  'umask 077; t="$1.k3s-wizard.tmp"; cat > "$t" && chmod "$2" "$t" && chown "$3" "$t" && mv -f "$t" "$1"';
const SAME_FILE = '[ -f "$1" ] && [ "$(sha256sum < "$1" | cut -d" " -f1)" = "$2" ] && chmod "$3" "$1"';
// Something that changes on every boot: the kernel's boot id, and PID 1's start time (the
// lab's hosts share the kernel of the machine they run on).
const BOOT_MARK = "cat /proc/sys/kernel/random/boot_id; awk '{print $22}' /proc/1/stat";

export class SshHostRunner implements HostRunner {
  roundTrips = 0;

  constructor(
    private readonly pool: SessionPool,
    private readonly target: PoolTarget,
    readonly host: string,
  ) {}

  async exec(request: ExecRequest): Promise<ExecOutcome> {
    this.roundTrips++;
    const options = {
      ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
      onStdout: (text: string) => request.onOutput?.('stdout', text),
      onStderr: (text: string) => request.onOutput?.('stderr', text),
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      step: request.what,
    };
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

  async writeFile(request: WriteFileRequest): Promise<void> {
    await this.mustExec({
      command: shJoin([
        'sh',
        '-c',
        WRITE_SCRIPT,
        'k3s-wizard-write',
        request.path,
        request.mode,
        request.owner,
      ]),
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
    const request = { ...given, sha256: given.sha256 ?? (await sha256Of(given.localFile, given.signal)) };
    if (request.sha256) {
      // Already there with the same content: only the mode is made right.
      const same = await this.exec({
        command: shJoin([
          'sh',
          '-c',
          SAME_FILE,
          'k3s-wizard-same',
          request.remotePath,
          request.sha256,
          request.mode,
        ]),
        sudo: true,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        what: `compare ${request.remotePath}`,
      });
      if (same.code === 0) return { skipped: true };
    }
    const session = await this.pool.session(this.target);
    // The login user's private temporary file; root moves it into place afterwards.
    const temp = `/tmp/.k3s-wizard-upload-${randomBytes(6).toString('hex')}`;
    this.roundTrips++;
    await upload(session, {
      from: request.localFile,
      to: temp,
      mode: 0o600,
      step: `copy ${request.localFile}`,
      ...(request.onProgress
        ? {
            onProgress: (p: { transferred: number; total: number }) =>
              request.onProgress?.(p.transferred, p.total),
          }
        : {}),
    });
    const check = request.sha256
      ? `echo "$4  $1" | sha256sum -c - >/dev/null || { rm -f "$1"; echo "checksum mismatch" >&2; exit 3; }; `
      : '';
    await this.mustExec({
      command: shJoin([
        'sh',
        '-c',
        `${check}install -D -m "$3" "$1" "$2" && rm -f "$1"`,
        'k3s-wizard-place',
        temp,
        request.remotePath,
        request.mode,
        request.sha256 ?? '',
      ]),
      sudo: true,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      what: `put ${request.remotePath} in place`,
    });
    return { skipped: false };
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
