/**
 * Progress of a run on a terminal: a live line per host (listr2) when stdout is a terminal,
 * plain lines otherwise (CI logs, pipes). Both only read events and snapshots.
 */
import { Listr } from 'listr2';
import { flowLine } from '../../shared/checks/connectivity';
import {
  hostStatus,
  hostSteps,
  nodeCells,
  textTable,
  type RunEvent,
  type RunSnapshot,
} from '../../shared/run';

export interface RunDisplay {
  update(event: RunEvent, snapshot: RunSnapshot): void;
  /** Resolves when the display has drawn its last frame. */
  finish(): Promise<void>;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const SKIPPED: Record<Extract<RunEvent, { type: 'step-skipped' }>['reason'], string> = {
  done: 'already done',
  'dry-run': 'would run',
  'not-needed': 'not needed (every step that would use it is already done)',
};

export function plainDisplay(write: (text: string) => void): RunDisplay {
  const title = (snapshot: RunSnapshot, id: string) => snapshot.steps[id]?.title ?? id;
  return {
    update(event, snapshot) {
      const line = (text: string) => write(`${text}\n`);
      switch (event.type) {
        case 'run-started':
          line(
            `Applying ${event.cluster}: ${event.steps.length} steps on ${snapshot.hosts.length} machines${event.dryRun ? ' (dry run: nothing is changed)' : ''}`,
          );
          break;
        case 'run-resumed':
          line(`Retrying ${event.host}: ${event.stepIds.length} steps`);
          break;
        case 'step-started':
          line(`[${event.host}] ▶ ${title(snapshot, event.stepId)}`);
          break;
        case 'output':
          for (const text of event.lines) line(`[${event.host}]   | ${text}`);
          break;
        case 'step-skipped':
          line(`[${event.host}] ✓ ${title(snapshot, event.stepId)}: ${SKIPPED[event.reason]}`);
          break;
        case 'step-finished':
          line(`[${event.host}] ✓ ${title(snapshot, event.stepId)} (${secs(event.durationMs)})`);
          break;
        case 'step-failed':
          line(
            `[${event.host}] ✗ ${title(snapshot, event.stepId)}: ${event.error.code}: ${event.error.message}`,
          );
          for (const text of event.error.lastOutput) line(`[${event.host}]   | ${text}`);
          break;
        case 'step-blocked':
          line(
            `[${event.host}] - ${title(snapshot, event.stepId)}: not run (after ${event.blockedBy} failed)`,
          );
          break;
        case 'progress':
        case 'cluster-checked':
        case 'run-finished':
          break;
      }
    },
    finish: () => Promise.resolve(),
  };
}

function hostTitle(snapshot: RunSnapshot, host: string): string {
  const steps = hostSteps(snapshot, host);
  const finished = steps.filter((s) => s.status === 'done' || s.status === 'skipped').length;
  const current = steps.find((s) => s.status === 'running');
  const doing = current
    ? `${current.title}${current.progress ? `: ${current.progress.what}` : ''}`
    : 'waiting';
  return `${host} [${finished}/${steps.length}] ${doing}`;
}

export function liveDisplay(hosts: string[]): RunDisplay {
  let latest: RunSnapshot | null = null;
  const watchers = new Set<() => void>();
  const tasks = hosts.map((host) => ({
    title: host,
    rendererOptions: { outputBar: 2, persistentOutput: false },
    task: (_ctx: unknown, task: { title: string; output: string; skip: (message: string) => void }) =>
      new Promise<void>((resolve, reject) => {
        const watch = (): void => {
          const s = latest;
          if (!s) return;
          const status = hostStatus(s, host);
          const steps = hostSteps(s, host);
          task.title = hostTitle(s, host);
          const running = steps.find((st) => st.status === 'running');
          if (running?.output.length) task.output = running.output.at(-1) ?? '';
          const over = s.status !== 'running';
          if (status === 'done') {
            const skipped = steps.every((st) => st.status === 'skipped');
            task.title = `${host}: ${skipped ? 'already done' : 'done'} (${steps.length} steps)`;
          } else if (status === 'failed') {
            const failed = steps.find((st) => st.status === 'failed');
            watchers.delete(watch);
            reject(new Error(`${host}: ${failed?.title ?? ''}: ${failed?.error?.code ?? ''}`));
            return;
          } else if (!over) return;
          watchers.delete(watch);
          if (status === 'done') resolve();
          else {
            task.skip(`${host}: ${status}`);
            resolve();
          }
        };
        watchers.add(watch);
        watch();
      }),
  }));
  const listr = new Listr(tasks, { concurrent: true, exitOnError: false });
  const drawn = listr.run().then(
    () => undefined,
    () => undefined,
  );
  return {
    update(_event, snapshot) {
      latest = snapshot;
      for (const watch of [...watchers]) watch();
    },
    finish: () => drawn,
  };
}

/** What the run ended with, for people: nodes, kubeconfig, whether anything changed. */
export function summary(snapshot: RunSnapshot): string {
  const out: string[] = [''];
  if (snapshot.nodes?.length) {
    const head = ['NAME', 'STATUS', 'ROLES', 'VERSION', 'ARCH', 'INTERNAL-IP'];
    out.push(...textTable([head, ...snapshot.nodes.map(nodeCells)]));
    out.push('');
  }
  if (snapshot.flows?.length) {
    const count = (status: string) => snapshot.flows?.filter((f) => f.status === status).length ?? 0;
    out.push(
      `Flows between the nodes, tested after the install: ${count('open')} passed, ${count('blocked')} blocked, ${count('unknown')} unknown`,
    );
    for (const flow of snapshot.flows) out.push(`  ${flowLine(flow)}`);
    out.push('');
  }
  if (snapshot.kubeconfigPath) {
    out.push(
      `kubeconfig: ${snapshot.kubeconfigPath} (context ${snapshot.cluster})${snapshot.checkedFromHere ? ', checked from this computer' : ''}`,
    );
  }
  const took = snapshot.durationMs !== undefined ? ` in ${secs(snapshot.durationMs)}` : '';
  const removal = snapshot.order.length > 0 && snapshot.order.every((id) => id.startsWith('uninstall:'));
  if (snapshot.status === 'succeeded' && removal) {
    out.push(
      snapshot.changed
        ? `Cluster ${snapshot.cluster} was removed${took}.`
        : `Nothing changed: cluster ${snapshot.cluster} was already removed${took}.`,
    );
  } else if (snapshot.status === 'succeeded') {
    out.push(
      snapshot.dryRun
        ? `Dry run finished${took}: ${Object.values(snapshot.steps).filter((s) => s.skipReason === 'dry-run').length} steps would run.`
        : snapshot.changed
          ? `Cluster ${snapshot.cluster} is ready${took}.`
          : `Nothing changed: cluster ${snapshot.cluster} already matches the spec${took}.`,
    );
  }
  return `${out.join('\n')}\n`;
}
