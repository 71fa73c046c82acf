/**
 * The air-gap folder checked on this computer before anything is uploaded: every file there,
 * and the same sha256 as its checksum file says. Hashes are cached by path, size and mtime, so
 * a re-run does not read 200 MB of images again, and hosts asking at once share one read.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { AppError } from '../../shared/errors';

// By path, size and mtime: the hash itself while it is being read, so the hosts that ask for
// one file at the same time share one read of it.
const cache = new Map<string, Promise<string>>();

export async function sha256Of(path: string, signal: AbortSignal): Promise<string> {
  const stat = statSync(path);
  const key = `${path}:${stat.size}:${stat.mtimeMs}`;
  let reading = cache.get(key);
  if (!reading) {
    reading = (async () => {
      const hash = createHash('sha256');
      // Not cancelled by one asker's signal: others may wait for the same read.
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      return hash.digest('hex');
    })();
    cache.set(key, reading);
    reading.catch(() => cache.delete(key));
  }
  signal.throwIfAborted();
  return abortable(reading, signal);
}

/** The shared read, given up by this asker when its signal fires. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  const asError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

export async function checkLocalFiles(
  files: { localFile: string; sha256: string | null }[],
  signal: AbortSignal,
): Promise<string[]> {
  const lines: string[] = [];
  for (const { localFile, sha256 } of files) {
    let actual: string;
    try {
      actual = await sha256Of(localFile, signal);
    } catch (error) {
      if (signal.aborted) throw new AppError('CANCELLED', 'Checking the air-gap files was cancelled.');
      const code = (error as NodeJS.ErrnoException).code;
      throw new AppError(
        'AIRGAP_FILE_MISSING',
        `${localFile} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`}: nothing was uploaded. Put it in the air-gap folder (from the same K3s release) and run again.`,
        { file: localFile },
      );
    }
    if (sha256 && actual !== sha256) {
      throw new AppError(
        'CHECKSUM_MISMATCH',
        `${localFile} does not match its checksum (expected ${sha256}, it is ${actual}): a broken or partial download, or a file of another release. Nothing was uploaded; download it again.`,
        { file: localFile, expected: sha256, actual },
      );
    }
    lines.push(sha256 ? `sha256 ok: ${localFile}` : `present (no checksum to compare): ${localFile}`);
  }
  return lines;
}
