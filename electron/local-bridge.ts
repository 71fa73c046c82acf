import { bridgeFromTransport, type Bridge } from '../shared/bridge';
import type { Backend } from './backend';

/** The command line's Bridge: the same dispatcher, in process. */
export function createLocalBridge(backend: Backend): Bridge {
  return bridgeFromTransport({
    invoke: (channel, input) => backend.dispatcher.dispatch(channel, input, { front: 'cli' }),
    on: (channel, listener) =>
      backend.hub.subscribe((event, payload) => {
        if (event === channel) listener(payload);
      }),
  });
}
