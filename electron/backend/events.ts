import { contract, type EventChannel, type EventPayload } from '../../shared/contract';
import { Redactor } from '../../shared/redact';

/** A channel and its payload; a listener that checks the channel gets the payload narrowed. */
export type EventMessage = { [E in EventChannel]: [channel: E, payload: EventPayload<E>] }[EventChannel];
export type EventListener = (...message: EventMessage) => void;

/**
 * Fans back-end events out to every connected front. Payloads are validated against the
 * contract and every string in them redacted before they leave, so a bug in main can send the
 * renderer neither malformed data nor a secret. The hub's redactor is the back end's one: the
 * logger registers the secrets it learns there.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  constructor(readonly redactor: Redactor = new Redactor()) {}

  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    const parsed = this.redactor.strings(contract.events[channel].parse(payload) as EventPayload<E>);
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
