/**
 * Ctrl-C for the command line: the first one asks the command to stop (it says what was left);
 * a second one within a second is the same key press seen twice (the terminal signals the whole
 * process group, and a wrapper such as tsx passes it on again); a later one stops at once.
 * Listened for from the first call on and never dropped: an unlistened SIGINT would kill the
 * process without a word.
 */
import { EXIT } from './exit-codes';

export interface SignalTarget {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): never;
  stderr: { write(text: string): unknown };
}

export function interruptions(target: SignalTarget, now: () => number = Date.now) {
  let at: number | null = null;
  let listening = false;
  const waiting: (() => void)[] = [];
  const onSignal = (): void => {
    if (at === null) {
      at = now();
      for (const resolve of waiting.splice(0)) resolve();
      return;
    }
    if (now() - at < 1000) return;
    target.stderr.write('Interrupted again: stopped at once. Run the same command again to continue.\n');
    target.exit(EXIT.INTERRUPTED);
  };
  return {
    interrupted: (): boolean => at !== null,
    untilInterrupted: (): Promise<void> => {
      if (!listening) {
        listening = true;
        target.on('SIGINT', onSignal);
        target.on('SIGTERM', onSignal);
      }
      return at !== null ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
    },
  };
}
