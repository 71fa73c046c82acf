import type { RunSnapshot } from '../../../shared/run';

/**
 * Whether the run installed the cluster: it succeeded, or every step succeeded but the check
 * after the install found a flow between the nodes blocked (CLUSTER_FLOWS_BLOCKED). Then the
 * cluster is installed but not ready, and the message says which flow, what most likely blocks
 * it and what to do.
 */
export function installState(
  run: RunSnapshot | null,
): { installed: false } | { installed: true; blocked: string | null } {
  if (!run) return { installed: false };
  if (run.status === 'succeeded') return { installed: true, blocked: null };
  if (run.status !== 'failed') return { installed: false };
  const broken = Object.values(run.steps).filter((s) => s.status !== 'done' && s.status !== 'skipped');
  const only = broken.length === 1 ? broken[0] : undefined;
  if (only?.phase === 'verify' && only.error?.code === 'CLUSTER_FLOWS_BLOCKED' && run.flows?.length)
    return { installed: true, blocked: only.error.message };
  return { installed: false };
}
