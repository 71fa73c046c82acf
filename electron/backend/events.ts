import { contract, type EventChannel, type EventPayload } from '../../shared/contract';

/** A channel and its payload; a listener that checks the channel gets the payload narrowed. */
export type EventMessage = { [E in EventChannel]: [channel: E, payload: EventPayload<E>] }[EventChannel];
export type EventListener = (...message: EventMessage) => void;

/**
 * Fans back-end events out to every connected front. Payloads are validated against the
 * contract before they leave, so a bug in main cannot send the renderer malformed data.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    const parsed = contract.events[channel].parse(payload) as EventPayload<E>;
    for (const listener of [...this.listeners]) {
      try {
        listener(...([channel, parsed] as EventMessage));
      } catch {
        // One broken front (a closed socket, a destroyed window) must not stop the others.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
