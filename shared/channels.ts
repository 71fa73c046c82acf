/**
 * The contract's channel names as plain lists, without a schema: what the sandboxed preload
 * bundles (it only needs the names). `shared/contract.ts` holds the schemas and fails to compile
 * when these lists and its channels differ.
 */
export const INVOKE_CHANNELS = [
  'app:info',
  'app:recentLogs',
  'hosts:setCredentials',
  'hosts:trustHostKey',
  'hosts:probe',
  'hosts:connectivity',
  'hosts:importSshConfig',
  'run:start',
  'run:cancel',
  'run:retryHost',
  'run:snapshot',
  'run:list',
  'clusters:list',
  'clusters:save',
  'clusters:load',
  'clusters:delete',
  'kubeconfig:contexts',
  'dialog:openFile',
  'dialog:openFolder',
  'dialog:saveFile',
  'run:joinCommand',
  'run:uninstall',
  'bundle:create',
  'files:download',
  'airgap:scan',
  'cluster:adopt',
  'cluster:status',
  'cluster:revokeToken',
  'cluster:planUpgrade',
  'cluster:upgrade',
  'cluster:planRemove',
  'cluster:remove',
  'cluster:rotateToken',
  'fleet:build',
  'fleet:dashboard',
  'fleet:retry',
  'fleet:cancel',
  'fleet:fixes',
  'fleet:handout',
  'fleet:handoutFile',
  'fleet:reset',
] as const;

export const EVENT_CHANNELS = ['app:log', 'run:event', 'app:menu'] as const;

export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];
export type EventChannel = (typeof EVENT_CHANNELS)[number];

const INVOKE = new Set<string>(INVOKE_CHANNELS);
const EVENTS = new Set<string>(EVENT_CHANNELS);

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && INVOKE.has(value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && EVENTS.has(value);
}
