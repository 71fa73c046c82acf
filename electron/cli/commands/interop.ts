/**
 * `k3s-wizard export` and `import`: a cluster file as another tool's inventory and back, so
 * people can move between k3s-wizard and k3s-ansible (shared/interop/k3s-ansible.ts).
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { exportK3sAnsible, importK3sAnsible } from '../../../shared/interop/k3s-ansible';
import { formatIssue, loadSpec, specToYaml } from '../../../shared/spec';
import { readClusterFile } from './apply';
import type { RegisterCommand } from './context';

const FORMATS = ['k3s-ansible'];

function checkFormat(format: string): void {
  if (!FORMATS.includes(format))
    throw new AppError('INVALID_INPUT', `--format must be one of ${FORMATS.join(', ')}, not "${format}".`);
}

export const registerExport: RegisterCommand = (program, { io }) => {
  program
    .command('export')
    .description('write a cluster file as a k3s-ansible inventory (no secret is written)')
    .argument('<cluster.yaml>', 'the cluster file')
    .requiredOption('--format <format>', `the other tool's format: ${FORMATS.join(', ')}`)
    .action((file: string, opts: { format: string }) => {
      checkFormat(opts.format);
      const { spec } = readClusterFile(file, io);
      const { value, notes } = exportK3sAnsible(spec);
      io.stdout(value);
      for (const note of notes) io.stderr(`note: ${note}\n`);
    });
};

export const registerImport: RegisterCommand = (program, { io }) => {
  program
    .command('import')
    .description('read a k3s-ansible inventory (YAML) as a cluster file, printed on stdout')
    .argument('<inventory.yml>', 'the inventory')
    .requiredOption('--format <format>', `the other tool's format: ${FORMATS.join(', ')}`)
    .option('--name <name>', 'the cluster name', 'imported')
    .action((file: string, opts: { format: string; name: string }) => {
      checkFormat(opts.format);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new AppError('INVALID_INPUT', `Cannot read the inventory ${file}: ${(error as Error).message}`);
      }
      let converted: ReturnType<typeof importK3sAnsible>;
      try {
        converted = importK3sAnsible(text, { name: opts.name });
      } catch (error) {
        throw new AppError('INVALID_INPUT', `${file}: ${(error as Error).message}`);
      }
      const yaml = specToYaml(converted.value);
      // the same checks as any cluster file, so what is printed can be applied as it is
      const loaded = loadSpec(yaml);
      for (const note of converted.notes) io.stderr(`note: ${note}\n`);
      for (const issue of loaded.issues) io.stderr(`${formatIssue(issue, 'the imported cluster file')}\n`);
      if (!loaded.spec)
        throw new AppError(
          'SPEC_INVALID',
          `${file} does not make a valid cluster file (problems listed above).`,
        );
      io.stdout(yaml);
    });
};
