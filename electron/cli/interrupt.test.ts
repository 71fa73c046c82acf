import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { interruptions } from './interrupt';

function fakeProcess() {
  const events = new EventEmitter();
  const exits: number[] = [];
  let said = '';
  let clock = 0;
  const target = {
    on: (signal: 'SIGINT' | 'SIGTERM', listener: () => void) => events.on(signal, listener),
    exit: (code: number): never => {
      exits.push(code);
      return undefined as never;
    },
    stderr: { write: (text: string) => (said += text) },
  };
  return {
    events,
    exits,
    said: () => said,
    tick: (ms: number) => (clock += ms),
    control: interruptions(target, () => clock),
  };
}

describe('Ctrl-C on the command line', () => {
  it('the same press seen twice (group and wrapper) asks once; a later press stops at once', async () => {
    const p = fakeProcess();
    const stopped = p.control.untilInterrupted();
    expect(p.events.listenerCount('SIGINT')).toBe(1);
    p.events.emit('SIGINT');
    await stopped;
    expect(p.control.interrupted()).toBe(true);
    p.tick(5);
    p.events.emit('SIGINT');
    // Still listened for: an unlistened SIGINT would kill the process without its message.
    expect(p.events.listenerCount('SIGINT')).toBe(1);
    expect(p.exits).toEqual([]);
    p.tick(2000);
    p.events.emit('SIGINT');
    expect(p.exits).toEqual([130]);
    expect(p.said()).toContain('Interrupted again');
    // Asked after the fact: it resolves at once, without listening twice.
    await p.control.untilInterrupted();
    expect(p.events.listenerCount('SIGINT')).toBe(1);
  });

  it('listens only once asked: a command that never asks keeps the default Ctrl-C', () => {
    const p = fakeProcess();
    expect(p.events.listenerCount('SIGINT')).toBe(0);
    void p.control.untilInterrupted();
    void p.control.untilInterrupted();
    expect(p.events.listenerCount('SIGINT')).toBe(1);
    expect(p.events.listenerCount('SIGTERM')).toBe(1);
  });
});
