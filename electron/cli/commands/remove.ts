/**
 * `k3s-wizard remove cluster.yaml NODE`: a machine taken out of a running cluster (cordon,
 * drain, K3s uninstalled there when it can be reached, node object and node-password secret
 * deleted, its address taken out of the other nodes' firewall rules), then out of the cluster
 * file. The first server may go: the others are pointed at the next one first (their config's
 * `server:`), and the cluster file and this computer's kubeconfig follow. The last server and a
 * server whose loss breaks etcd quorum are refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument } from 'yaml';
import { AppError } from '../../../shared/errors';
import { planRemoval } from '../../../shared/day-two';
import { readClusterNodes } from '../../day-two/cluster-read';
import { addressesOf, peerRulesOf, reachable as isReachable } from '../../day-two/peer-rules';
import { moveKubeconfigServer } from '../../day-two/kubeconfig-move';
import { runRemoval } from '../../day-two/remove';
import { contextName, kubeconfigUrl } from '../../../shared/spec';
import { addLoginOptions, SECRETS_HELP } from '../secrets';
import { failure, readClusterFile } from './apply';
import type { RegisterCommand } from './context';
import {
  confirmOrStop,
  followActivity,
  parseSeconds,
  stepResults,
  addChangeOptions,
  type DayTwoFlags,
  withDayTwoSession,
} from './day-two';

/** The cluster file without the node, through the YAML library (its comments kept). */
export function withoutNode(text: string, name: string): string {
  const doc = parseDocument(text);
  const nodes = doc.get('nodes');
  if (!isSeq(nodes)) throw new AppError('SPEC_INVALID', 'The cluster file has no list of nodes.');
  const index = nodes.items.findIndex((item) => isMap(item) && item.get('nodeName') === name);
  if (index < 0) throw new AppError('NOT_FOUND', `The cluster file has no node ${name}.`);
  nodes.items.splice(index, 1);
  return doc.toString({ lineWidth: 0 });
}

export const registerRemove: RegisterCommand = (program, { io, dataDir }) => {
  const command = addLoginOptions(program.command('remove'))
    .description(
      'take a machine out of a running cluster: cordon, drain, uninstall K3s there, delete its node object, take its address out of the others’ firewalls, update the cluster file',
    )
    .argument('<cluster.yaml>', 'the cluster file')
    .argument('<node>', 'the node name of the machine to remove')
    .option('--no-drain', 'cordon the node but do not drain it')
    .option('--drain-timeout <seconds>', 'how long the drain may take', '120');
  addChangeOptions(command, 'remove without asking first')
    .addHelpText('after', SECRETS_HELP)
    .action(async (file: string, name: string, opts: DayTwoFlags) => {
      const drainTimeout = parseSeconds(opts.drainTimeout, '--drain-timeout');
      const { spec } = readClusterFile(file, io);
      const text = readFileSync(file, 'utf8');
      if (!spec.nodes.some((n) => n.nodeName === name))
        throw new AppError(
          'INVALID_INPUT',
          `${file} has no node ${name}; its nodes: ${spec.nodes.map((n) => n.nodeName).join(', ')}.`,
        );
      // A dead machine must not stop its own removal: the logins are lenient.
      const login = { spec, io, dataDir: dataDir(), login: opts, lenient: true };
      await withDayTwoSession(login, async ({ cluster, runnerFor, signal, stopped }) => {
        const nodes = await readClusterNodes(spec, runnerFor, signal, name);
        const planned = planRemoval({ spec, cluster: nodes, name, file });
        if (!planned.ok) throw new AppError('PLAN_FAILED', planned.reason);
        const plan = planned.plan;
        const reachable = await isReachable(runnerFor(name), signal);
        // The firewall rules k3s-wizard gave the others for it, from each one's record.
        const state = nodes.find((n) => n.name === name);
        const rules = await peerRulesOf({
          spec,
          runnerFor,
          leaving: name,
          addresses: addressesOf(plan.node, state?.internalIp),
          signal,
          warn: (message) => io.stderr(`warning: ${message}\n`),
        });
        const out = opts.json ? io.stderr : io.stdout;
        out(`Remove ${name} (${plan.node.role}, ${plan.node.address}) from ${spec.name}:\n`);
        out(
          `  ${plan.joinMove ? `point the others at ${plan.joinMove.newFirst} (${plan.joinMove.to}); ` : ''}${plan.inCluster ? (plan.ready ? 'cordon and drain it' : 'it is NotReady: no drain') : 'no node object'}; ${reachable ? 'uninstall K3s there' : 'it cannot be reached: K3s stays on it'}; delete its node object and node-password secret${rules.length ? `; take its address out of the firewall of ${rules.map((r) => r.node).join(', ')}` : ''}; update ${file}.\n`,
        );
        for (const w of plan.warnings) out(`warning: ${w}\n`);
        await confirmOrStop({ yes: Boolean(opts.yes), question: `Remove ${name} from ${spec.name}? [y/N] ` });
        stopped();
        const follow = followActivity({
          io,
          cluster,
          name: spec.name,
          hosts: [name, ...rules.map((r) => r.node)],
          flags: opts,
          signal,
        });
        const outcome = await runRemoval({
          spec,
          plan,
          runnerFor,
          reachable,
          activity: follow.activity,
          drain: { enabled: opts.drain !== false, timeoutSeconds: drainTimeout },
          peerRules: rules,
          addSecret: (secret) => cluster.logger.addSecret(secret),
        });
        const snapshot = await follow.finish();
        const ok = snapshot.status === 'succeeded';
        if (ok) writeFileSync(file, withoutNode(text, name));
        // the kubeconfig that pointed at the server that left points at the one that took over
        const kubeFrom = kubeconfigUrl(spec);
        const kubeTo = kubeconfigUrl(plan.remaining);
        const kubeMoved =
          ok && plan.joinMove && kubeFrom && kubeTo && kubeFrom !== kubeTo
            ? moveKubeconfigServer(
                { env: io.env },
                { contextName: contextName(spec), from: kubeFrom, to: kubeTo },
              )
            : [];
        if (plan.joinMove && ok)
          outcome.notes.push(
            `The other nodes join through ${plan.joinMove.newFirst} (${plan.joinMove.to}) from now on; ${file} lists it first.${kubeMoved.length ? ` The kubeconfig (${kubeMoved.join(', ')}) points at ${kubeTo} now.` : ''}`,
          );
        if (opts.json)
          io.stdout(
            `${JSON.stringify({ cluster: spec.name, node: name, outcome: snapshot.status, reachable, notes: outcome.notes, clusterFileUpdated: ok, steps: stepResults(snapshot), log: follow.activity.logPath }, null, 2)}\n`,
          );
        if (!ok) throw failure(snapshot, follow.activity.logPath);
        if (!opts.json) {
          for (const note of outcome.notes) io.stdout(`note: ${note}\n`);
          io.stdout(`${name} was removed from ${spec.name}; ${file} no longer lists it.\n`);
        }
      });
    });
};
