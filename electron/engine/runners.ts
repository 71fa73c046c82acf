/**
 * One SSH runner per machine of a cluster file, made when first asked for and kept: what the
 * run service, the day-two runs and the command line all reach their machines through.
 */
import { AppError } from '../../shared/errors';
import type { ClusterSpec, NodeSpec } from '../../shared/spec';
import type { SessionPool } from '../ssh/pool';
import { SshHostRunner } from './ssh-runner';

/** The runner of one node over the pool's session to it. */
export function runnerOf(pool: SessionPool, node: NodeSpec): SshHostRunner {
  return new SshHostRunner(pool, { host: node.address, port: node.port, user: node.user }, node.nodeName);
}

/**
 * The runners of `spec`'s nodes by node name, made on first use; `known` are kept (a run's own
 * runners, so their sessions and counts carry on).
 */
export function runnersOf(options: {
  pool: () => SessionPool;
  spec: ClusterSpec;
  known?: ReadonlyMap<string, SshHostRunner>;
}): (name: string) => SshHostRunner {
  const runners = new Map(options.known ?? []);
  return (name) => {
    const known = runners.get(name);
    if (known) return known;
    const node = options.spec.nodes.find((n) => n.nodeName === name);
    if (!node) throw new AppError('INTERNAL', `${name} is not a node of ${options.spec.name}.`);
    const runner = runnerOf(options.pool(), node);
    runners.set(name, runner);
    return runner;
  };
}
