/**
 * A step's output as events: chunks split into whole lines (so a secret is never cut in two
 * before redaction), redacted, sent as `output` events, and the tail kept for a failure report.
 */
import { MAX_OUTPUT_LINES } from '../../shared/run';

export class StepOutput {
  private readonly partial = { stdout: '', stderr: '' };
  private readonly tail: string[] = [];

  constructor(
    private readonly redact: (text: string) => string,
    private readonly send: (stream: 'stdout' | 'stderr', lines: string[]) => void,
  ) {}

  push(stream: 'stdout' | 'stderr', text: string): void {
    const joined = this.partial[stream] + text.replace(/\r\n?/g, '\n');
    const cut = joined.lastIndexOf('\n');
    if (cut < 0) {
      this.partial[stream] = joined;
      return;
    }
    this.partial[stream] = joined.slice(cut + 1);
    this.emit(stream, joined.slice(0, cut).split('\n'));
  }

  /** Sends what is left without a final newline. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.emit(stream, [this.partial[stream]]);
      this.partial[stream] = '';
    }
  }

  lastLines(max = 20): string[] {
    return this.tail.slice(-max);
  }

  private emit(stream: 'stdout' | 'stderr', raw: string[]): void {
    const lines = raw.map((line) => this.redact(line)).filter((line) => line.trim() !== '');
    if (!lines.length) return;
    this.tail.push(...lines);
    if (this.tail.length > MAX_OUTPUT_LINES) this.tail.splice(0, this.tail.length - MAX_OUTPUT_LINES);
    this.send(stream, lines);
  }
}
