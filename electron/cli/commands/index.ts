import { registerApply } from './apply';
import { registerBundle } from './bundle';
import type { RegisterCommand } from './context';
import { registerAdopt, registerStatus, registerToken } from './cluster-read';
import { registerInfo } from './info';
import { registerInit } from './init';
import { registerFleet } from './fleet';
import { registerExport, registerImport } from './interop';
import { registerPlan } from './plan';
import { registerProbe } from './probe';
import { registerRehearse } from './rehearse';
import { registerRemove } from './remove';
import { registerServe } from './serve';
import { registerUninstall } from './uninstall';
import { registerUpgrade } from './upgrade';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerInfo,
  registerServe,
  registerInit,
  registerPlan,
  registerProbe,
  registerApply,
  registerUninstall,
  registerUpgrade,
  registerRemove,
  registerFleet,
  registerBundle,
  registerRehearse,
  registerExport,
  registerImport,
  registerAdopt,
  registerStatus,
  registerToken,
];
