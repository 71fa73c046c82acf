import { registerApply } from './apply';
import { registerBundle } from './bundle';
import type { RegisterCommand } from './context';
import { registerInfo } from './info';
import { registerInit } from './init';
import { registerFleet } from './fleet';
import { registerExport, registerImport } from './interop';
import { registerPlan } from './plan';
import { registerProbe } from './probe';
import { registerRehearse } from './rehearse';
import { registerServe } from './serve';
import { registerUninstall } from './uninstall';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerInfo,
  registerServe,
  registerInit,
  registerPlan,
  registerProbe,
  registerApply,
  registerUninstall,
  registerFleet,
  registerBundle,
  registerRehearse,
  registerExport,
  registerImport,
];
