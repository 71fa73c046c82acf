import { registerApply } from './apply';
import type { RegisterCommand } from './context';
import { registerInfo } from './info';
import { registerInit } from './init';
import { registerPlan } from './plan';
import { registerProbe } from './probe';
import { registerServe } from './serve';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerInfo,
  registerServe,
  registerInit,
  registerPlan,
  registerProbe,
  registerApply,
];
