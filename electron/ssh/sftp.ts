/** File transfer over a session's SFTP channel, with progress; the channel is always closed. */
import type { SFTPWrapper } from 'ssh2';
import { AppError } from '../../shared/errors';
import type { SshSession } from './session';

export interface TransferProgress {
  transferred: number;
  total: number;
}

export interface UploadOptions {
  /** A local file path, or the content itself. */
  from: string | Buffer;
  to: string;
  mode?: number;
  /**
   * false: the mode given is only the one the file is created with (a new private file, whose
   * umask can only narrow it), so no chmod round trip after it. Default true.
   */
  exactMode?: boolean;
  /**
   * Sent only when nothing is at this path on the host yet (an SFTP stat says so), or when
   * `uploadAll`'s `same` says the file there differs.
   */
  unlessAt?: string;
  onProgress?: (progress: TransferProgress) => void;
  step?: string;
}

export interface DownloadOptions {
  from: string;
  to: string;
  onProgress?: (progress: TransferProgress) => void;
  step?: string;
}

function transferError(session: SshSession, what: string, error: Error): AppError {
  return new AppError('FILE_ERROR', `${what} on ${session.target.host} failed: ${error.message}`, {
    host: session.target.host,
  });
}

const CHUNK = 32 * 1024;

function writeBuffer(sftp: SFTPWrapper, options: UploadOptions & { from: Buffer }): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = sftp.createWriteStream(options.to, { mode: options.mode ?? 0o644 });
    const total = options.from.length;
    let offset = 0;
    stream.on('error', reject);
    stream.on('close', () => resolve());
    const pump = (): void => {
      while (offset < total) {
        const chunk = options.from.subarray(offset, offset + CHUNK);
        offset += chunk.length;
        options.onProgress?.({ transferred: offset, total });
        if (!stream.write(chunk)) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    if (total === 0) options.onProgress?.({ transferred: 0, total: 0 });
    pump();
  });
}

async function put(session: SshSession, sftp: SFTPWrapper, options: UploadOptions): Promise<void> {
  const what = Buffer.isBuffer(options.from)
    ? `Uploading to ${options.to}`
    : `Uploading ${options.from} to ${options.to}`;
  try {
    if (Buffer.isBuffer(options.from)) {
      await writeBuffer(sftp, { ...options, from: options.from });
    } else {
      const from = options.from;
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(
          from,
          options.to,
          {
            mode: options.mode ?? 0o644,
            step: (transferred, _chunk, total) => options.onProgress?.({ transferred, total }),
          },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    }
    if (options.mode !== undefined && options.exactMode !== false) {
      const mode = options.mode;
      // The umask on the host can narrow the mode given at creation: set it explicitly.
      await new Promise<void>((resolve, reject) =>
        sftp.chmod(options.to, mode, (error) => (error ? reject(error) : resolve())),
      );
    }
  } catch (error) {
    throw error instanceof AppError ? error : transferError(session, what, error as Error);
  }
}

export async function upload(session: SshSession, options: UploadOptions): Promise<void> {
  await session.withSftp((sftp) => put(session, sftp, options), options.step);
}

// SSH_FX_NO_SUCH_FILE: OpenSSH's sftp-server answers ENOENT and ENOTDIR with it.
const NO_SUCH_FILE = 2;

/** Whether something is at the path, as far as the login user can tell (not allowed to look: yes). */
function existsAt(sftp: SFTPWrapper, path: string): Promise<boolean> {
  return new Promise((resolve) =>
    sftp.stat(path, (error) =>
      resolve(!error || (error as Error & { code?: unknown }).code !== NO_SUCH_FILE),
    ),
  );
}

/**
 * Several files side by side over one SFTP channel (one channel open, not one per file). A
 * file with `unlessAt` is first looked for there over the same channel: absent, it is sent at
 * once; present, `same` (asked once, for all such files, while the others are on their way)
 * says which ones the host has already, and only the others are sent. Returns, in order,
 * whether each file was sent.
 */
export async function uploadAll(
  session: SshSession,
  files: readonly UploadOptions[],
  step?: string,
  options: { same?: (indexes: number[]) => Promise<boolean[]> } = {},
): Promise<boolean[]> {
  if (!files.length) return [];
  return session.withSftp(async (sftp) => {
    const present = await Promise.all(
      files.map((f) => (f.unlessAt ? existsAt(sftp, f.unlessAt) : Promise.resolve(false))),
    );
    const sent = files.map(() => true);
    const maybe = files.flatMap((_, i) => (present[i] ? [i] : []));
    const work: Promise<void>[] = files.flatMap((f, i) => (present[i] ? [] : [put(session, sftp, f)]));
    if (maybe.length)
      work.push(
        (async () => {
          const same = options.same ? await options.same(maybe) : maybe.map(() => false);
          await Promise.all(
            maybe.flatMap((i, k) => {
              if (!same[k]) return [put(session, sftp, files[i] as UploadOptions)];
              sent[i] = false;
              return [];
            }),
          );
        })(),
      );
    // Every transfer settled before the channel closes; the first failure is the one told.
    const settled = await Promise.allSettled(work);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return sent;
  }, step);
}

export async function download(session: SshSession, options: DownloadOptions): Promise<void> {
  await session.withSftp(async (sftp) => {
    try {
      await new Promise<void>((resolve, reject) =>
        sftp.fastGet(
          options.from,
          options.to,
          { step: (transferred, _chunk, total) => options.onProgress?.({ transferred, total }) },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    } catch (error) {
      throw error instanceof AppError
        ? error
        : transferError(session, `Downloading ${options.from}`, error as Error);
    }
  }, options.step);
}
