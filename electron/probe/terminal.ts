/**
 * What the command line asks on the terminal: secrets without echo, yes/no questions, and
 * secrets piped on stdin. Secrets never come from argv.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface Terminal {
  /** True when a person can answer (stdin is a TTY). */
  interactive: boolean;
  ask(question: string): Promise<string>;
  askSecret(question: string): Promise<string>;
  /** The lines piped on stdin (read once, on first use). */
  stdinLines(): Promise<string[]>;
}

type TtyIn = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };

export function processTerminal(input: TtyIn = process.stdin, output: Writable = process.stderr): Terminal {
  let lines: Promise<string[]> | null = null;
  let queue = Promise.resolve('');
  // One question at a time, even when several hosts ask at once.
  const serial = (run: () => Promise<string>): Promise<string> => (queue = queue.then(run, run));
  return {
    interactive: Boolean(input.isTTY),
    ask: (question) =>
      serial(
        () =>
          new Promise((resolve) => {
            const rl = createInterface({ input, output, terminal: true });
            rl.question(question, (answer) => {
              rl.close();
              resolve(answer.trim());
            });
          }),
      ),
    askSecret: (question) =>
      serial(
        () =>
          new Promise((resolve) => {
            output.write(question);
            input.setRawMode?.(true);
            input.resume();
            let value = '';
            const onData = (chunk: Buffer): void => {
              for (const char of chunk.toString('utf8')) {
                if (char === '\r' || char === '\n' || char === '\u0004') {
                  input.setRawMode?.(false);
                  input.pause();
                  input.off('data', onData);
                  output.write('\n');
                  resolve(value);
                  return;
                }
                if (char === '\u0003') {
                  input.setRawMode?.(false);
                  process.kill(process.pid, 'SIGINT');
                  return;
                }
                value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
              }
            };
            input.on('data', onData);
          }),
      ),
    stdinLines: () =>
      (lines ??= new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        input.on('data', (chunk: Buffer) => chunks.push(chunk));
        input.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').split(/\r?\n/)));
        input.on('error', reject);
      })),
  };
}
