import { contract, type EventChannel, type EventPayload } from '../../shared/contract';

export type EventListener = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void;

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
        listener(channel, parsed);
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
