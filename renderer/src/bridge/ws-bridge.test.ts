import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWsBridge } from './ws-bridge';

/** A stand-in for the page's WebSocket: opens at once, closes when told. */
class FakeSocket {
  static readonly OPEN = 1;
  static made: FakeSocket[] = [];
  readonly OPEN = 1;
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }
  send(text: string): void {
    this.sent.push(text);
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  FakeSocket.made = [];
});

describe('the browser front bridge', () => {
  it('opens the socket with no key in its address, only once signed in', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const out = createWsBridge({
      url: 'ws://127.0.0.1:1/bridge',
      signedIn: false,
      hasSession: () => Promise.resolve(true),
    });
    expect(out.state()).toBe('no-key');
    expect(FakeSocket.made).toEqual([]);
    await expect(out.invoke('app:info', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const bridge = createWsBridge({
      url: 'ws://127.0.0.1:1/bridge',
      signedIn: true,
      hasSession: () => Promise.resolve(true),
    });
    await vi.waitFor(() => expect(bridge.state()).toBe('open'));
    expect(FakeSocket.made.map((s) => s.url)).toEqual(['ws://127.0.0.1:1/bridge']);
  });

  it('after a lost connection, reconnects while the session holds and stops with no-key when it is gone', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    let held = true;
    const hasSession = vi.fn(() => Promise.resolve(held));
    const bridge = createWsBridge({ url: 'ws://127.0.0.1:1/bridge', signedIn: true, hasSession });
    await vi.advanceTimersByTimeAsync(0);
    expect(bridge.state()).toBe('open');
    FakeSocket.made[0]?.drop();
    expect(bridge.state()).toBe('closed');
    await vi.advanceTimersByTimeAsync(300);
    expect(hasSession).toHaveBeenCalledTimes(1);
    expect(bridge.state()).toBe('open');
    expect(FakeSocket.made).toHaveLength(2);

    // k3s-wizard restarted: the old session is gone; a call made meanwhile gets a clear answer.
    held = false;
    FakeSocket.made[1]?.drop();
    const call = bridge.invoke('app:info', {}).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bridge.state()).toBe('no-key');
    expect(await call).toMatchObject({ code: 'FORBIDDEN' });
    expect(FakeSocket.made).toHaveLength(2);
  });
});
