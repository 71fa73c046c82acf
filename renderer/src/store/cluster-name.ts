/**
 * A cluster's name names its saved draft and its kubeconfig context: it must not be the name
 * of another saved cluster, nor of a context the user's kubeconfig already has (unless that
 * context is this cluster's own, once installed).
 */
import type { SavedClusterSummary } from '../../../shared/draft';
import type { SpecIssue } from '../../../shared/spec';

export interface NameContext {
  name: string;
  /** The kubeconfig context name when it differs from the cluster's name. */
  contextName: string;
  savedSlug: string | null;
  savedClusters: readonly SavedClusterSummary[];
  kubeContexts: readonly string[];
  kubeconfigPath: string;
  /** This cluster was installed: its context in the kubeconfig is its own. */
  installed: boolean;
}

/** "homelab" → "homelab-2" (or the next free number); "homelab-2" → "homelab-3". */
export function uniqueName(wanted: string, taken: ReadonlySet<string>): string {
  if (!taken.has(wanted)) return wanted;
  const stem = wanted.replace(/-\d+$/, '') || 'cluster';
  for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

/** Every name a new cluster must not take. */
export function takenNames(
  c: Pick<NameContext, 'savedSlug' | 'savedClusters' | 'kubeContexts'>,
): Set<string> {
  return new Set([
    ...c.savedClusters.filter((s) => s.slug !== c.savedSlug).map((s) => s.name),
    ...c.kubeContexts,
  ]);
}

/** The problem with the cluster's name or context, with a free name to use instead; null when none. */
export function clusterNameIssue(c: NameContext): (SpecIssue & { suggestion: string }) | null {
  const others = new Set(c.savedClusters.filter((s) => s.slug !== c.savedSlug).map((s) => s.name));
  const taken = takenNames(c);
  if (c.name && others.has(c.name)) {
    const suggestion = uniqueName(c.name, taken);
    return {
      path: 'name',
      severity: 'error',
      message: `Another saved cluster is already called “${c.name}”. Use another name, for example “${suggestion}”.`,
      suggestion,
    };
  }
  const context = c.contextName || c.name;
  if (context && !c.installed && c.kubeContexts.includes(context)) {
    const suggestion = uniqueName(context, taken);
    return {
      path: c.contextName ? 'kubeconfig.contextName' : 'name',
      severity: 'error',
      message: `${c.kubeconfigPath} already has a context “${context}” (another cluster). Use another name, for example “${suggestion}”.`,
      suggestion,
    };
  }
  return null;
}
