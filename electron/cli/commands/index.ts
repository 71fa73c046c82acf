import type { RegisterCommand } from './context';
import { registerInfo } from './info';
import { registerServe } from './serve';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [registerInfo, registerServe];
