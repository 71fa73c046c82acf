import { describe, expect, it } from 'vitest';
import { apiFromTransport, bridgeFromApi, type BridgeTransport, type InvokeResponse } from './bridge';
import { AppError } from './errors';

function transport(
  responses: Record<string, InvokeResponse>,
): BridgeTransport & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const listeners = new Map<string, (payload: unknown) => void>();
  return {
    calls,
    invoke(channel, input) {
      calls.push([channel, input]);
      return Promise.resolve(
        responses[channel] ?? { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'no' } },
      );
    },
    on(channel, listener) {
      listeners.set(channel, listener);
      return () => listeners.delete(channel);
    },
  };
}

describe('bridge', () => {
  it('exposes one namespaced method per channel and carries input and result', async () => {
    const raw = transport({ 'app:info': { ok: true, result: { version: '1' } } });
    const api = apiFromTransport(raw);
    expect(typeof api.app.info).toBe('function');
    expect(typeof api.app.recentLogs).toBe('function');
    const bridge = bridgeFromApi(api);
    await expect(bridge.invoke('app:info', {})).resolves.toEqual({ version: '1' });
    expect(raw.calls).toEqual([['app:info', {}]]);
  });

  it('rebuilds an error with its stable code on the renderer side', async () => {
    const bridge = bridgeFromApi(
      apiFromTransport(
        transport({
          'app:info': { ok: false, error: { code: 'AUTH_FAILED', message: 'pi1 refused the key' } },
        }),
      ),
    );
    const error = await bridge.invoke('app:info', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', message: 'pi1 refused the key' });
  });

  it('an unknown code from the other side becomes INTERNAL rather than a made-up code', async () => {
    const bridge = bridgeFromApi(
      apiFromTransport(
        transport({ 'app:info': { ok: false, error: { code: 'WAT' as never, message: 'x' } } }),
      ),
    );
    await expect(bridge.invoke('app:info', {})).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
