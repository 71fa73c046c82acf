import { describe, expect, it } from 'vitest';
import { testBackend } from '../../test-support/backend';

describe('run:joinCommand', () => {
  it('refuses a duration that is not one, before anything runs', async () => {
    const backend = testBackend();
    const r = await backend.dispatcher.dispatch(
      'run:joinCommand',
      { runId: 'r1', ttl: '2 hours; rm -rf /', reveal: true },
      { front: 'desktop' },
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await backend.close();
  });

  it('names a run it does not know', async () => {
    const backend = testBackend();
    const r = await backend.dispatcher.dispatch(
      'run:joinCommand',
      { runId: 'nope', reveal: false },
      { front: 'desktop' },
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await backend.close();
  });
});

describe('run:uninstall and bundle:create', () => {
  it('are channels that validate their spec before doing anything', async () => {
    const backend = testBackend();
    for (const channel of ['run:uninstall', 'bundle:create']) {
      const r = await backend.dispatcher.dispatch(channel, { spec: { name: 'x' } }, { front: 'desktop' });
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    await backend.close();
  });
});
