/**
 * Kubeconfigs as data: K3s writes one whose cluster, user and context are all "default" and
 * whose server is 127.0.0.1. Here it is renamed to the cluster's name, pointed at the address
 * the user chose, and merged into an existing config where the new entries win by name.
 * Parsed with the yaml package; never edited as text.
 */
import { parse, stringify } from 'yaml';
import { AppError } from '../../shared/errors';

interface Named<K extends string> {
  name: string;
  [key: string]: unknown;
  // The body (cluster / user / context) is kept as it came.
  _?: K;
}

export interface KubeConfig {
  apiVersion?: string;
  kind?: string;
  clusters?: Named<'cluster'>[];
  users?: Named<'user'>[];
  contexts?: Named<'context'>[];
  'current-context'?: string;
  [key: string]: unknown;
}

const LISTS = ['clusters', 'users', 'contexts'] as const;

export function parseKubeconfig(text: string, where: string): KubeConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new AppError(
      'FILE_ERROR',
      `${where} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new AppError('FILE_ERROR', `${where} is not a kubeconfig.`);
  const config = doc as KubeConfig;
  for (const list of LISTS) {
    const value = config[list];
    if (value !== undefined && value !== null && !Array.isArray(value))
      throw new AppError('FILE_ERROR', `${where}: "${list}" is not a list.`);
  }
  return config;
}

function find<T extends { name: string }>(list: T[] | undefined, name: string | undefined): T | undefined {
  return list?.find((entry) => entry.name === name);
}

/**
 * The server's kubeconfig with its current context's cluster, user and context all named `name`,
 * and `server` as the API address.
 */
export function renameKubeconfig(text: string, options: { name: string; server: string }): KubeConfig {
  const source = parseKubeconfig(text, 'The server’s kubeconfig');
  const context = find(source.contexts, source['current-context']) ?? source.contexts?.[0];
  const body = (context?.context ?? {}) as { cluster?: string; user?: string; [k: string]: unknown };
  const cluster = find(source.clusters, body.cluster) ?? source.clusters?.[0];
  const user = find(source.users, body.user) ?? source.users?.[0];
  if (!cluster || !user)
    throw new AppError('FILE_ERROR', 'The server’s kubeconfig has no cluster or no user.');
  const { name } = options;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { ...(cluster.cluster as object), server: options.server } }],
    users: [{ name, user: user.user }],
    contexts: [{ name, context: { ...body, cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  };
}

/** `base` with every cluster, user and context of `incoming` added, replacing same-named ones. */
export function mergeKubeconfig(base: KubeConfig, incoming: KubeConfig): KubeConfig {
  const merged: KubeConfig = { apiVersion: 'v1', kind: 'Config', ...base };
  for (const list of LISTS) {
    const add = incoming[list] ?? [];
    const names = new Set(add.map((entry) => entry.name));
    merged[list] = [...(base[list] ?? []).filter((entry) => !names.has(entry.name)), ...add] as never;
  }
  if (incoming['current-context']) merged['current-context'] = incoming['current-context'];
  return merged;
}

export function kubeconfigText(config: KubeConfig): string {
  return stringify(config, { lineWidth: 0 });
}

/** The cluster and user a context names, for a client on this computer. */
export function resolveContext(
  config: KubeConfig,
  contextName: string,
): { server: string; cluster: Record<string, unknown>; user: Record<string, unknown> } {
  const context = find(config.contexts, contextName)?.context as
    { cluster?: string; user?: string } | undefined;
  const cluster = find(config.clusters, context?.cluster)?.cluster as Record<string, unknown> | undefined;
  const user = find(config.users, context?.user)?.user as Record<string, unknown> | undefined;
  if (!context || !cluster || !user || typeof cluster.server !== 'string')
    throw new AppError('NOT_FOUND', `The kubeconfig has no complete context ${contextName}.`);
  return { server: cluster.server, cluster, user };
}
