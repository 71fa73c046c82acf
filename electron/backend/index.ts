import { mkdirSync } from 'node:fs';
import type { Front } from '../../shared/contract';
import { createDispatcher, type Dispatcher, type Handlers } from './dispatcher';
import { EventHub } from './events';
import { Logger } from './logger';
import { APP_NAME } from './paths';

export interface BackendOptions {
  version: string;
  dataDir: string;
  front: Front;
}

export interface Backend {
  dispatcher: Dispatcher;
  hub: EventHub;
  logger: Logger;
  options: BackendOptions;
  close(): Promise<void>;
}

/** The back end every front shares: plain Node, no Electron. */
export function createBackend(options: BackendOptions): Backend {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const hub = new EventHub();
  const logger = new Logger(hub);
  const handlers: Handlers = {
    'app:info': () =>
      Promise.resolve({
        name: APP_NAME,
        version: options.version,
        front: options.front,
        platform: `${process.platform}-${process.arch}`,
        dataDir: options.dataDir,
      }),
    'app:recentLogs': ({ limit }) => Promise.resolve(logger.tail(limit)),
  };
  const dispatcher = createDispatcher({ handlers, logger });
  logger.info('app', `back end started (${options.front} front, version ${options.version})`);
  return {
    dispatcher,
    hub,
    logger,
    options,
    close: () => Promise.resolve(),
  };
}
