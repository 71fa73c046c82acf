import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Option } from 'commander';
import { AppError } from '../../../shared/errors';
import type { HostFacts } from '../../../shared/facts';
import { FactsFileSchema } from '../../../shared/facts-schema';
import { buildPlan, planToScript, planToText, type AirgapInventory } from '../../../shared/plan';
import { redactStrings } from '../../../shared/redact';
import {
  formatIssue,
  loadSpec,
  type ClusterSpec,
  type FactsByNode,
  type SpecIssue,
} from '../../../shared/spec';
import { readAirgapFolder } from '../../engine/airgap-folder';
import type { RegisterCommand } from './context';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError('INVALID_INPUT', `Cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

/** facts.json keyed by node name or by address → facts by node name. */
export function readFacts(path: string, spec: ClusterSpec): FactsByNode {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(path, 'facts file'));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('INVALID_INPUT', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = FactsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError(
      'INVALID_INPUT',
      `${path} does not hold host facts: at ${first?.path.join('.') ?? '?'}: ${first?.message ?? 'invalid'}`,
    );
  }
  const byNode: Record<string, HostFacts> = {};
  for (const [key, facts] of Object.entries(parsed.data)) {
    const node = spec.nodes.find((n) => n.nodeName === key) ?? spec.nodes.find((n) => n.address === key);
    if (!node)
      throw new AppError(
        'INVALID_INPUT',
        `${path}: “${key}” is neither a node name nor an address in the spec.`,
      );
    byNode[node.nodeName] = facts;
  }
  return byNode;
}

function report(issues: SpecIssue[], file: string, write: (text: string) => void): void {
  for (const issue of issues) write(`${formatIssue(issue, file)}\n`);
}

export const registerPlan: RegisterCommand = (program, { io }) => {
  program
    .command('plan')
    .description('check a cluster file and print what would run on each machine')
    .argument('<cluster.yaml>', 'the cluster file (see k3s-wizard init)')
    .option('--facts <facts.json>', 'probed host facts, keyed by node name or address')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json', 'sh']).default('text'),
    )
    .action((file: string, opts: { facts?: string; format: 'text' | 'json' | 'sh' }) => {
      const loaded = loadSpec(readText(file, 'cluster file'));
      report(loaded.issues, file, io.stderr);
      if (!loaded.spec)
        throw new AppError('SPEC_INVALID', `${file} has problems (listed above); nothing was planned.`);
      const spec = loaded.spec;
      const facts = opts.facts ? readFacts(opts.facts, spec) : {};
      let airgap: AirgapInventory | null = null;
      if (spec.install.source === 'airgap') {
        const folder = isAbsolute(spec.install.folder)
          ? spec.install.folder
          : resolve(dirname(file), spec.install.folder);
        airgap = readAirgapFolder(folder);
        spec.install.folder = folder;
      }
      const result = buildPlan(spec, facts, { airgap });
      // Spec warnings were printed already; print only what planning added.
      const fresh = (result.ok ? result.plan.issues : result.issues).filter(
        (issue) => !loaded.issues.some((seen) => seen.path === issue.path && seen.message === issue.message),
      );
      report(fresh, file, io.stderr);
      if (!result.ok) throw new AppError('SPEC_INVALID', 'The plan cannot be made (problems listed above).');
      // Printed plans leave the app like exported scripts: redacted (a mirror URL's password, say).
      if (opts.format === 'json') io.stdout(`${JSON.stringify(redactStrings(result.plan), null, 2)}\n`);
      else if (opts.format === 'sh') io.stdout(planToScript(result.plan));
      else io.stdout(planToText(result.plan));
    });
};
