/**
 * Main owns the facts: the back end plans a run with the facts its own probe found; the UI
 * sends only what the user chose (the spec, dry run, steps), never facts of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AppError } from '../../shared/errors';
import { makeSpec, node } from '../../test-support/shared/spec';
import { testBackend } from '../../test-support/backend';
import { startTestServer } from '../../test-support/ssh/ssh-server';
import { createLocalBridge } from '../local-bridge';
import { createBackend } from '.';
import { makeDraft } from '../../test-support/shared/draft';
import { rejection } from '../../test-support/errors';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A back end that has probed the in-process SSH server (this machine's facts). */
async function probed() {
  const server = await startTestServer({ password: 'login-pw' });
  const backend = testBackend('desktop');
  cleanups.push(
    () => server.close(),
    () => backend.close(),
  );
  const bridge = createLocalBridge(backend);
  const ref = { host: '127.0.0.1', port: server.port, user: 'lab' };
  await bridge.invoke('hosts:setCredentials', { ...ref, password: 'login-pw' });
  const unknown = await rejection(bridge.invoke('hosts:probe', ref));
  const fingerprint = String(unknown.details?.fingerprint);
  await bridge.invoke('hosts:trustHostKey', { host: ref.host, port: ref.port, fingerprint });
  const { facts } = await bridge.invoke('hosts:probe', ref);
  return { bridge, backend, server, facts, ref };
}

describe('main owns the facts', () => {
  it('plans run:start with the facts the back end probed, not with any the UI sends', async () => {
    const { bridge, server, facts } = await probed();
    // An address this machine does not have: only the probed facts can tell.
    const spec = makeSpec([
      node('n1', '127.0.0.1', 'server', { port: server.port, user: 'lab', nodeIp: '203.0.113.9' }),
    ]);
    expect(facts.addresses.map((a) => a.address)).not.toContain('203.0.113.9');
    const refused = await rejection(bridge.invoke('run:start', { spec, dryRun: true }));
    expect(refused.code).toBe('PLAN_FAILED');
    expect(refused.message).toContain('203.0.113.9 is not an address of n1');
  });

  it('a node probed under another user or port has no facts in the plan', async () => {
    const { bridge, server } = await probed();
    const spec = makeSpec([
      node('n1', '127.0.0.1', 'server', { port: server.port, user: 'someone-else', nodeIp: '203.0.113.9' }),
    ]);
    const error = await bridge.invoke('run:start', { spec, dryRun: true }).then(
      () => null,
      (e: unknown) => e as AppError,
    );
    expect(error?.message ?? '').not.toContain('is not an address of');
  });

  it('a saved cluster brings back the facts the back end had saved with it', async () => {
    const first = testBackend('desktop');
    cleanups.push(() => first.close());
    const { slug } = await createLocalBridge(first).invoke('clusters:save', { draft: makeDraft() });
    // The app starts again: a new back end over the same data folder, nothing probed yet.
    const again = createBackend({ ...first.options });
    cleanups.push(() => again.close());
    const bridge = createLocalBridge(again);
    await bridge.invoke('clusters:load', { slug });
    const spec = makeSpec([node('pi1', '10.0.0.11', 'server', { nodeIp: '203.0.113.9' })]);
    const refused = await rejection(bridge.invoke('run:start', { spec, dryRun: true }));
    expect(refused.message).toContain('203.0.113.9 is not an address of pi1');
  });

  it('refuses facts sent with run:start, run:uninstall and bundle:create', async () => {
    const backend = testBackend('browser');
    cleanups.push(() => backend.close());
    const spec = makeSpec([node('n1', '10.0.0.1', 'server')]);
    for (const channel of ['run:start', 'run:uninstall', 'bundle:create']) {
      const response = await backend.dispatcher.dispatch(channel, { spec, facts: {} }, { front: 'browser' });
      expect(response, channel).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
  });
});
