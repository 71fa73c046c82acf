/**
 * A step's output as events: chunks split into whole lines (so a secret is never cut in two
 * before redaction), redacted, sent as `output` events, and the tail kept for a failure report.
 */
import { lineRedactor } from '../../shared/redact';
import { MAX_OUTPUT_LINES } from '../../shared/run';

// An unterminated line is cut past this many characters (a broken or hostile host).
const MAX_LINE = 16_384;

export class StepOutput {
  private readonly partial = { stdout: '', stderr: '' };
  private readonly tail: string[] = [];
  // Per stream, so a private key printed over several lines is masked from BEGIN to END.
  private readonly redact: Record<'stdout' | 'stderr', (line: string) => string>;

  constructor(
    redact: (text: string) => string,
    private readonly send: (stream: 'stdout' | 'stderr', lines: string[]) => void,
  ) {
    this.redact = { stdout: lineRedactor(redact), stderr: lineRedactor(redact) };
  }

  push(stream: 'stdout' | 'stderr', text: string): void {
    const joined = this.partial[stream] + text.replace(/\r\n?/g, '\n');
    const cut = joined.lastIndexOf('\n');
    if (cut < 0) {
      // Keep the tail of an endless line, saying what was cut.
      this.partial[stream] =
        joined.length > MAX_LINE
          ? `[… ${joined.length - MAX_LINE / 2} characters cut] ${joined.slice(-MAX_LINE / 2)}`
          : joined;
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
    const redact = this.redact[stream];
    const lines = raw
      .map(redact)
      // Cut after redaction, so a secret is never split in two before it is recognised.
      .map((line) =>
        line.length > MAX_LINE
          ? `[… ${line.length - MAX_LINE} characters cut] ${line.slice(-MAX_LINE)}`
          : line,
      )
      .filter((line) => line.trim() !== '');
    if (!lines.length) return;
    this.tail.push(...lines);
    if (this.tail.length > MAX_OUTPUT_LINES) this.tail.splice(0, this.tail.length - MAX_OUTPUT_LINES);
    this.send(stream, lines);
  }
}
