import type { SavedClusterSummary } from '../../../shared/draft';
import type { SpecIssue } from '../../../shared/spec';
import { memoizeLast } from '../lib/memo';
import { useAppStore } from '.';
import { clusterNameIssue } from './cluster-name';
import { useSpecCheck } from './use-spec';

const nameIssueOf = memoizeLast(
  (
    name: string,
    contextName: string,
    savedSlug: string | null,
    savedClusters: SavedClusterSummary[],
    kubeContexts: string[],
    kubeconfigPath: string,
    installed: boolean,
  ) =>
    clusterNameIssue({
      name,
      contextName,
      savedSlug,
      savedClusters,
      kubeContexts,
      kubeconfigPath,
      installed,
    }),
);

/** A cluster name (or context) that collides with another cluster's, checked as the user types. */
export function useClusterNameIssue(): ReturnType<typeof clusterNameIssue> {
  return nameIssueOf(
    useAppStore((s) => s.cluster.name),
    useAppStore((s) => s.cluster.contextName),
    useAppStore((s) => s.savedSlug),
    useAppStore((s) => s.savedClusters),
    useAppStore((s) => s.kubeContexts),
    useAppStore((s) => s.kubeconfigPath),
    useAppStore(
      (s) =>
        s.run?.status === 'succeeded' || s.savedClusters.some((c) => c.slug === s.savedSlug && c.installed),
    ),
  );
}

const withNameIssue = memoizeLast((issues: SpecIssue[], nameIssue: SpecIssue | null): SpecIssue[] =>
  nameIssue ? [...issues, nameIssue] : issues,
);

/** The problems of the wizard's state: the spec's own, and a name that collides with another cluster's. */
export function useWizardIssues(): SpecIssue[] {
  const { issues } = useSpecCheck();
  return withNameIssue(issues, useClusterNameIssue());
}
