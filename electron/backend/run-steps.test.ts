import { describe, expect, it } from 'vitest';
import { makeSpec, node } from '../../test-support/shared/spec';
import { testBackend } from '../../test-support/backend';

describe('run:start with only some steps', () => {
  it('refuses a step the plan does not have, naming it, before anything runs', async () => {
    const backend = testBackend('browser');
    const spec = makeSpec([node('pi1', '10.0.0.1', 'server')]);
    const response = await backend.dispatcher.dispatch(
      'run:start',
      { spec, steps: ['prepare:pi9:cgroup'] },
      { front: 'browser' },
    );
    expect(response).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'The plan has no step prepare:pi9:cgroup.' },
    });
  });

  it('validates the list itself', async () => {
    const backend = testBackend('browser');
    const spec = makeSpec([node('pi1', '10.0.0.1', 'server')]);
    const response = await backend.dispatcher.dispatch(
      'run:start',
      { spec, steps: [] },
      { front: 'browser' },
    );
    expect(response).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
