/**
 * Where the kubeconfig goes on this computer, and writing it: merged into the file kubectl
 * uses (the first path of KUBECONFIG, else ~/.kube/config) after a backup, or as a file of its
 * own; always 0600, written to a temporary name and renamed. As kubectl does: a symlinked
 * config is followed (its target is written, the link stays), and `<file>.lock` is created
 * exclusively while writing. The user's current context is never switched silently, and only
 * the last few backups (which hold client keys) are kept. An identical result is not
 * rewritten, so a second run changes nothing.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { AppError } from '../../shared/errors';
import { kubeconfigText, mergeKubeconfig, parseKubeconfig, renameKubeconfig, type KubeConfig } from './merge';

export interface KubeconfigPlace {
  env: NodeJS.ProcessEnv;
  /** Defaults to the OS home folder. */
  home?: string;
}

/** The file kubectl reads first (and writes merges to): KUBECONFIG's first path, else ~/.kube/config. */
export function defaultKubeconfigPath(place: KubeconfigPlace): string {
  const first = (place.env.KUBECONFIG ?? '').split(delimiter).find((p) => p.trim() !== '');
  return first ?? join(place.home ?? place.env.HOME ?? homedir(), '.kube', 'config');
}

/** The file of its own for a cluster, beside the default one. */
export function separateKubeconfigPath(place: KubeconfigPlace, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '-');
  return join(dirname(defaultKubeconfigPath(place)), `${safe}.yaml`);
}

export function backupName(path: string, now: Date): string {
  return `${path}.bak-${now.toISOString().replace(/[:.]/g, '-')}`;
}

/** A kubeconfig larger than this is not one (a client key and a CA are a few KiB). */
export const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;
/** Backups kept beside the file; older ones go (they hold client keys). */
export const KEPT_BACKUPS = 3;

/** The file a path names, symlinks followed (also a dangling one, whose target is created). */
function realFile(path: string): string {
  let current = path;
  for (let hops = 0; hops < 16; hops++) {
    let link: boolean;
    try {
      link = lstatSync(current).isSymbolicLink();
    } catch {
      return current; // not there yet: written where it is named
    }
    if (!link) return existsSync(current) ? realpathSync(current) : current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw new AppError('FILE_ERROR', `${path} is a chain of too many symbolic links.`);
}

/** kubectl's convention: `<file>.lock`, created exclusively, removed when done. */
function withLock<T>(path: string, work: () => T): T {
  const lock = `${path}.lock`;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AppError(
        'FILE_ERROR',
        `${path} is being changed by another program (kubectl holds ${lock}). Try again; if no kubectl is running, remove ${lock}.`,
        { path, lock },
      );
    }
    throw new AppError('FILE_ERROR', `Cannot lock ${path}: ${(error as Error).message}`);
  }
  try {
    return work();
  } finally {
    closeSync(fd);
    try {
      unlinkSync(lock);
    } catch {
      // already gone: nothing to undo
    }
  }
}

/** Writes a 0600 backup of `text` and removes all but the newest KEPT_BACKUPS of this file's. */
function backUp(path: string, text: string, now: Date): string {
  const backup = backupName(path, now);
  writeFileSync(backup, text, { mode: 0o600, flag: 'wx' });
  const prefix = `${basename(path)}.bak-`;
  const dir = dirname(path);
  const all = readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .sort();
  for (const old of all.slice(0, Math.max(0, all.length - KEPT_BACKUPS))) unlinkSync(join(dir, old));
  for (const kept of all.slice(-KEPT_BACKUPS)) chmodSync(join(dir, kept), 0o600);
  return backup;
}

/** Writes a file only its owner can read (0600, in a 0700 folder when it makes one), atomically. */
export function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.k3s-wizard-${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, path);
}

function tooLarge(what: string): AppError {
  return new AppError(
    'FILE_ERROR',
    `${what} is too large to be a kubeconfig (more than ${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB); nothing was written.`,
  );
}

function readIfThere(path: string): string | null {
  let size: number;
  try {
    if (!existsSync(path)) return null;
    size = statSync(path).size;
  } catch (error) {
    throw new AppError('FILE_ERROR', `Cannot read ${path}: ${(error as Error).message}`);
  }
  if (size > MAX_KUBECONFIG_BYTES) throw tooLarge(path);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError('FILE_ERROR', `Cannot read ${path}: ${(error as Error).message}`);
  }
}

export interface SaveKubeconfigRequest extends KubeconfigPlace {
  /** The server's k3s.yaml. */
  kubeconfig: string;
  server: string;
  contextName: string;
  file: 'merge' | 'separate';
  now?: Date;
}

export interface SaveKubeconfigResult {
  path: string;
  changed: boolean;
  backup: string | null;
  /** Said to the user: e.g. that their current context was kept, and how to switch. */
  note?: string;
}

export function saveKubeconfig(request: SaveKubeconfigRequest): SaveKubeconfigResult {
  if (request.kubeconfig.length > MAX_KUBECONFIG_BYTES) throw tooLarge('The server’s kubeconfig');
  const incoming = renameKubeconfig(request.kubeconfig, {
    name: request.contextName,
    server: request.server,
  });
  const named =
    request.file === 'merge'
      ? defaultKubeconfigPath(request)
      : separateKubeconfigPath(request, request.contextName);
  const path = realFile(named);
  return withLock(path, () => {
    const before = readIfThere(path);
    const base = request.file === 'merge' && before !== null ? parseKubeconfig(before, path) : {};
    const merged = mergeKubeconfig(base, incoming);
    // The user's current context stays: switching it under them would aim their next kubectl
    // command at another cluster. They are told how to switch.
    const current = base['current-context'];
    const kept = typeof current === 'string' && current !== '' && current !== request.contextName;
    if (kept) merged['current-context'] = current;
    const note = kept
      ? `The current context stays "${current}"; switch with: kubectl config use-context ${request.contextName}`
      : undefined;
    const text = kubeconfigText(merged);
    const result = (changed: boolean, backup: string | null): SaveKubeconfigResult => ({
      path,
      changed,
      backup,
      ...(note ? { note } : {}),
    });
    if (text === before) return result(false, null);
    try {
      const backup = before !== null ? backUp(path, before, request.now ?? new Date()) : null;
      writePrivate(path, text);
      return result(true, backup);
    } catch (error) {
      throw new AppError('FILE_ERROR', `Cannot write the kubeconfig ${path}: ${(error as Error).message}`);
    }
  });
}

export interface RemoveKubeconfigRequest extends KubeconfigPlace {
  contextName: string;
  file: 'merge' | 'separate';
  now?: Date;
}

/**
 * Takes back what saveKubeconfig wrote: the cluster, user and context named `contextName` out
 * of the merged file (after a backup), or the cluster's own file. Nothing else is touched.
 */
export function removeKubeconfig(request: RemoveKubeconfigRequest): SaveKubeconfigResult {
  const { contextName } = request;
  if (request.file === 'separate') {
    const path = separateKubeconfigPath(request, contextName);
    if (!existsSync(path)) return { path, changed: false, backup: null };
    try {
      unlinkSync(path);
    } catch (error) {
      throw new AppError('FILE_ERROR', `Cannot remove ${path}: ${(error as Error).message}`);
    }
    return { path, changed: true, backup: null };
  }
  const path = realFile(defaultKubeconfigPath(request));
  return withLock(path, () => removeFrom(path, contextName, request.now ?? new Date()));
}

function removeFrom(path: string, contextName: string, now: Date): SaveKubeconfigResult {
  const before = readIfThere(path);
  if (before === null) return { path, changed: false, backup: null };
  const config = parseKubeconfig(before, path);
  const out: KubeConfig = { ...config };
  for (const list of ['clusters', 'users', 'contexts'] as const) {
    if (config[list]) out[list] = config[list].filter((entry) => entry.name !== contextName) as never;
  }
  if (config['current-context'] === contextName) {
    const next = out.contexts?.[0]?.name;
    if (next) out['current-context'] = next;
    else delete out['current-context'];
  }
  const text = kubeconfigText(out);
  if (text === kubeconfigText(config)) return { path, changed: false, backup: null };
  try {
    const backup = backUp(path, before, now);
    writePrivate(path, text);
    return { path, changed: true, backup };
  } catch (error) {
    throw new AppError('FILE_ERROR', `Cannot write the kubeconfig ${path}: ${(error as Error).message}`);
  }
}
