import { writeFileSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { starterSpecYaml } from '../../../shared/spec';
import type { RegisterCommand } from './context';

export const registerInit: RegisterCommand = (program, { io }) => {
  program
    .command('init')
    .description('write a commented starter cluster file')
    .argument('[file]', 'where to write it', 'cluster.yaml')
    .option('--name <name>', 'the cluster name', 'homelab')
    .option('--force', 'overwrite the file if it exists')
    .action((file: string, opts: { name: string; force?: boolean }) => {
      try {
        writeFileSync(file, starterSpecYaml({ name: opts.name }), {
          flag: opts.force ? 'w' : 'wx',
          mode: 0o644,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST')
          throw new AppError('INVALID_INPUT', `${file} exists already; use --force to overwrite it.`);
        throw new AppError('FILE_ERROR', `Cannot write ${file}: ${(error as Error).message}`);
      }
      io.stdout(`Wrote ${file}. Edit the machines in it, then check it with: k3s-wizard plan ${file}\n`);
    });
};
