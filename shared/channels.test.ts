import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS, isEventChannel, isInvokeChannel } from './channels';
import { contract } from './contract';

describe('the plain channel lists', () => {
  it('name exactly the contract’s channels, in its order', () => {
    expect([...INVOKE_CHANNELS]).toEqual(Object.keys(contract.invoke));
    expect([...EVENT_CHANNELS]).toEqual(Object.keys(contract.events));
  });

  it('tell channels from anything else', () => {
    expect(isInvokeChannel('run:start')).toBe(true);
    expect(isInvokeChannel('run:event')).toBe(false);
    expect(isInvokeChannel('toString')).toBe(false);
    expect(isEventChannel('run:event')).toBe(true);
    expect(isEventChannel('__proto__')).toBe(false);
    expect(isEventChannel(42)).toBe(false);
  });
});
