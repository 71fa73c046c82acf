// Which actions of an install step share one root shell: the commands a rootless server's user
// must run as themselves never ride in a batch with root's (it would run them as root).
import { describe, expect, it } from 'vitest';
import type { PlanAction } from '../../shared/plan';
import { batchable, waitsAtOnceCheck } from './install-batch';

const root = (what: string): PlanAction => ({ kind: 'exec', command: 'true', sudo: true, what });
const plain = (what: string): PlanAction => ({ kind: 'exec', command: 'true', sudo: false, what });
const user = (what: string): PlanAction => ({
  kind: 'exec',
  command: 'true',
  sudo: false,
  asUser: true,
  what,
});
const wait = (asUser: boolean): PlanAction => ({
  kind: 'wait-for',
  check: { command: 'true', sudo: !asUser, ...(asUser ? { asUser } : {}) },
  intervalMs: 1000,
  timeoutMs: 1000,
  what: 'wait',
});

describe('install batches', () => {
  it('batch commands that need no one in particular with root’s, and a wait after them', () => {
    expect(batchable([plain('a'), root('b'), root('c'), wait(false)], 0, new Map())).toBe(4);
  });

  it('split where the login user’s own commands begin and end', () => {
    const actions = [user('space'), root('folder'), root('script'), user('config'), user('unit'), wait(true)];
    expect(batchable(actions, 0, new Map())).toBe(1);
    expect(batchable(actions, 1, new Map())).toBe(2);
    expect(batchable(actions, 3, new Map())).toBe(3);
  });

  it('never tries root’s and the user’s waits in one shell', () => {
    expect(waitsAtOnceCheck([wait(true), wait(false)], 0)).toBeNull();
    expect(waitsAtOnceCheck([wait(true), wait(true)], 0)).toMatchObject({ sudo: false });
  });
});
