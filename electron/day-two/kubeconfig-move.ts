/**
 * The first server left: the kubeconfig on this computer whose cluster entry (the cluster's
 * context name) still points at it is pointed at the new address, in the file kubectl reads
 * first and in the cluster's own file beside it, whichever holds it (written 0600, as saved).
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  defaultKubeconfigPath,
  separateKubeconfigPath,
  writePrivate,
  type KubeconfigPlace,
} from '../kubeconfig/file';
import { kubeconfigText, parseKubeconfig } from '../kubeconfig/merge';

export function moveKubeconfigServer(
  place: KubeconfigPlace,
  options: { contextName: string; from: string; to: string },
): string[] {
  const moved: string[] = [];
  const paths = [
    ...new Set([defaultKubeconfigPath(place), separateKubeconfigPath(place, options.contextName)]),
  ];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const config = parseKubeconfig(readFileSync(path, 'utf8'), path);
    const entry = config.clusters?.find((c) => c.name === options.contextName);
    const cluster = entry?.cluster as Record<string, unknown> | undefined;
    if (!cluster || typeof cluster.server !== 'string' || cluster.server.replace(/\/$/, '') !== options.from)
      continue;
    cluster.server = options.to;
    writePrivate(path, kubeconfigText(config));
    moved.push(path);
  }
  return moved;
}
