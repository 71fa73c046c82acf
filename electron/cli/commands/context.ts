import type { Command } from 'commander';
import type { CliIo } from '../program';

export interface CommandContext {
  io: CliIo;
  /** The data folder, from --data-dir, K3S_WIZARD_DATA_DIR or the OS default. */
  dataDir: () => string;
}

/** Each command lives in its own file and registers itself on the program. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;
