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
  const what = `Uploading to ${options.to}`;
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
    if (options.mode !== undefined) {
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

/** Several files side by side over one SFTP channel (one channel open, not one per file). */
export async function uploadAll(
  session: SshSession,
  files: readonly UploadOptions[],
  step?: string,
): Promise<void> {
  if (!files.length) return;
  await session.withSftp(async (sftp) => {
    await Promise.all(files.map((options) => put(session, sftp, options)));
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
