/**
 * Where the kubeconfig goes on this computer, and writing it: merged into the file kubectl
 * uses (the first path of KUBECONFIG, else ~/.kube/config) after a backup, or as a file of its
 * own; always 0600, written to a temporary name and renamed. An identical result is not
 * rewritten, so a second run changes nothing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
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

function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.k3s-wizard-${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, path);
}

function readIfThere(path: string): string | null {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
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
}

export function saveKubeconfig(request: SaveKubeconfigRequest): SaveKubeconfigResult {
  const incoming = renameKubeconfig(request.kubeconfig, {
    name: request.contextName,
    server: request.server,
  });
  const path =
    request.file === 'merge'
      ? defaultKubeconfigPath(request)
      : separateKubeconfigPath(request, request.contextName);
  const before = readIfThere(path);
  const base = request.file === 'merge' && before !== null ? parseKubeconfig(before, path) : {};
  const text = kubeconfigText(mergeKubeconfig(base, incoming));
  if (text === before) return { path, changed: false, backup: null };
  try {
    let backup: string | null = null;
    if (before !== null) {
      backup = backupName(path, request.now ?? new Date());
      writeFileSync(backup, before, { mode: 0o600, flag: 'wx' });
    }
    writePrivate(path, text);
    return { path, changed: true, backup };
  } catch (error) {
    throw new AppError('FILE_ERROR', `Cannot write the kubeconfig ${path}: ${(error as Error).message}`);
  }
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
  const path = defaultKubeconfigPath(request);
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
    const backup = backupName(path, request.now ?? new Date());
    writeFileSync(backup, before, { mode: 0o600, flag: 'wx' });
    writePrivate(path, text);
    return { path, changed: true, backup };
  } catch (error) {
    throw new AppError('FILE_ERROR', `Cannot write the kubeconfig ${path}: ${(error as Error).message}`);
  }
}
