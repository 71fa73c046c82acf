import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../backend';
import { liveDisplay } from './display';
import { harness, threeNodePlan } from '../../test-support/engine/harness';

describe('run channels and the live display', () => {
  it('answers unknown runs with NOT_FOUND and refuses an invalid spec', async () => {
    const backend = createBackend({
      version: '0',
      dataDir: mkdtempSync(join(tmpdir(), 'k3sw-svc-')),
      front: 'cli',
    });
    const snap = await backend.dispatcher.dispatch('run:snapshot', { runId: 'nope' }, { front: 'cli' });
    expect(snap).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const start = await backend.dispatcher.dispatch('run:start', { spec: { name: 'x' } }, { front: 'cli' });
    expect(start).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await backend.dispatcher.dispatch('run:list', {}, { front: 'cli' })).toEqual({
      ok: true,
      result: [],
    });
    await backend.close();
  });

  it('the live display follows a run to its end without a terminal', async () => {
    const h = harness({ plan: threeNodePlan() });
    const display = liveDisplay(['s1', 'a1', 'a2']);
    const snapshot = await h.run.start();
    for (const event of h.events) display.update(event, snapshot);
    await expect(display.finish()).resolves.toBeUndefined();
  });
});
