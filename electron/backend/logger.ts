import type { LogEntry } from '../../shared/contract';
import type { Redactor } from '../../shared/redact';
import type { EventHub } from './events';

/**
 * The back end's log: every line redacted before it is kept, emitted or written.
 * Secrets the back end learns at run time (passwords, tokens) are registered here, with the
 * back end's one redactor (the event hub's), so they are masked wherever they might show up:
 * log lines, events, errors, bundles.
 */
export class Logger {
  private readonly recent: LogEntry[] = [];
  private readonly sinks = new Set<(entry: LogEntry) => void>();
  readonly redactor: Redactor;

  constructor(
    private readonly hub: EventHub,
    private readonly capacity = 1000,
  ) {
    this.redactor = hub.redactor;
  }

  addSecret(secret: string | undefined): void {
    this.redactor.add(secret);
  }

  knownSecrets(): Iterable<string> {
    return this.redactor.secrets;
  }

  redact(text: string): string {
    return this.redactor.text(text);
  }

  addSink(sink: (entry: LogEntry) => void): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  log(level: LogEntry['level'], source: string, message: string): LogEntry {
    const entry: LogEntry = { time: new Date().toISOString(), level, source, message: this.redact(message) };
    this.recent.push(entry);
    if (this.recent.length > this.capacity) this.recent.splice(0, this.recent.length - this.capacity);
    for (const sink of this.sinks) sink(entry);
    this.hub.emit('app:log', entry);
    return entry;
  }

  info(source: string, message: string): LogEntry {
    return this.log('info', source, message);
  }

  warn(source: string, message: string): LogEntry {
    return this.log('warn', source, message);
  }

  error(source: string, message: string): LogEntry {
    return this.log('error', source, message);
  }

  tail(limit: number): LogEntry[] {
    return this.recent.slice(-limit);
  }
}
