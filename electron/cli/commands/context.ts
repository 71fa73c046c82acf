import type { Command } from 'commander';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C); used by long-running commands. */
  untilInterrupted: () => Promise<void>;
}

export interface CommandContext {
  io: CliIo;
  /** The data folder, from --data-dir, K3S_WIZARD_DATA_DIR or the OS default. */
  dataDir: () => string;
}

/** Each command lives in its own file and registers itself on the program. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;
