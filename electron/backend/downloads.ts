/**
 * Files the back end wrote, read back for the browser front's downloads. Only two kinds, each
 * bounded to what this app wrote: one context of a run's kubeconfig, and a support bundle
 * under the data folder's clusters/ tree.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { AppError } from '../../shared/errors';
import { kubeconfigText, parseKubeconfig } from '../kubeconfig/merge';

const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

export interface Download {
  name: string;
  mediaType: string;
  base64: string;
}

/** The context, its cluster and user from the kubeconfig at `path`, as a file of their own. */
export function kubeconfigDownload(path: string, context: string): Download {
  const config = parseKubeconfig(readFileSync(path, 'utf8'), path);
  const entry = config.contexts?.find((c) => c.name === context);
  const refs = (entry?.context ?? {}) as { cluster?: unknown; user?: unknown };
  const cluster = config.clusters?.find((c) => c.name === refs.cluster);
  const user = config.users?.find((u) => u.name === refs.user);
  if (!entry || !cluster || !user)
    throw new AppError('NOT_FOUND', `${path} has no complete context ${context}.`);
  const text = kubeconfigText({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [cluster],
    users: [user],
    contexts: [entry],
    'current-context': context,
  });
  return {
    name: `${context.replace(/[^A-Za-z0-9._-]/g, '-')}.kubeconfig.yaml`,
    mediaType: 'application/yaml',
    base64: Buffer.from(text).toString('base64'),
  };
}

/** A support bundle this back end wrote (a .tar.gz under dataDir/clusters/), refusing any other path. */
export function bundleDownload(dataDir: string, path: string): Download {
  let real: string;
  let root: string;
  try {
    real = realpathSync(path);
    root = realpathSync(join(dataDir, 'clusters'));
  } catch {
    throw new AppError('NOT_FOUND', 'That support bundle does not exist (any more).');
  }
  const inside = real.startsWith(root + sep) && real.split(sep).includes('bundles');
  if (!inside || !real.endsWith('.tar.gz'))
    throw new AppError('INVALID_INPUT', 'That is not a support bundle of k3s-wizard.');
  const stat = statSync(real);
  if (!stat.isFile() || stat.size > MAX_BUNDLE_BYTES)
    throw new AppError('INVALID_INPUT', 'That support bundle is too large to download.');
  return {
    name: basename(real),
    mediaType: 'application/gzip',
    base64: readFileSync(real).toString('base64'),
  };
}
