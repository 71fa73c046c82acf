import { describe, expect, it } from 'vitest';
import { makeSpec, node } from '../../test-support/shared/spec';
import type { PoolTarget, SessionPool } from '../ssh/pool';
import { runnerOf, runnersOf } from './runners';

describe('the runners of a cluster file', () => {
  const spec = makeSpec([
    node('pi1', '10.0.0.11', 'server'),
    node('pi2', '10.0.0.12', 'agent', { port: 2222 }),
  ]);
  // The runner asks the pool for its login's session only when it runs something.
  const dialled: PoolTarget[] = [];
  const pool = {
    session: (target: PoolTarget) => {
      dialled.push(target);
      return Promise.resolve({
        exec: () => Promise.resolve({ stdout: '', stderr: '', code: 0, signal: null }),
      });
    },
  } as unknown as SessionPool;

  it('makes one runner per node, on first use, each over the pool to its own login', async () => {
    let asked = 0;
    const runnerFor = runnersOf({ pool: () => (asked++, pool), spec });
    expect(asked).toBe(0);
    const pi2 = runnerFor('pi2');
    expect(pi2.host).toBe('pi2');
    expect(runnerFor('pi2')).toBe(pi2);
    expect(asked).toBe(1);
    expect(runnerFor('pi1')).not.toBe(pi2);
    await pi2.exec({
      command: 'true',
      sudo: false,
      what: 'test',
      timeoutMs: 1000,
      signal: new AbortController().signal,
    });
    expect(dialled).toEqual([{ host: '10.0.0.12', port: 2222, user: 'pi' }]);
  });

  it('keeps the runners it is given, without adding to them', () => {
    const mine = runnerOf(pool, spec.nodes[0]!);
    const known = new Map([['pi1', mine]]);
    const runnerFor = runnersOf({ pool: () => pool, spec, known });
    expect(runnerFor('pi1')).toBe(mine);
    runnerFor('pi2');
    expect([...known.keys()]).toEqual(['pi1']);
  });

  it('refuses a name the cluster file does not have', () => {
    const runnerFor = runnersOf({ pool: () => pool, spec });
    expect(() => runnerFor('pi9')).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: 'pi9 is not a node of lab.' }),
    );
  });
});
