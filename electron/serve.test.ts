import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../shared/wire';
import { startBrowserFront, type BrowserFront } from './serve';
import { testBackend } from '../test-support/backend';

function rendererDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'k3sw-renderer-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>k3s-wizard</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'app.js.map'), '{"sources":["../src/App.tsx"]}');
  return dir;
}

function get(port: number, path: string, host = `127.0.0.1:${port}`) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

function post(port: number, path: string, body: string, origin: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: { host: `127.0.0.1:${port}`, origin, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

/** The page's sign-in: the printed key traded for the session cookie ("name=value"). */
async function signIn(port: number, origin: string, key = 'test-token-123456') {
  const r = await post(port, '/bridge/session', JSON.stringify({ key }), origin);
  const setCookie = (r.headers['set-cookie'] as string[] | undefined)?.[0] ?? '';
  return { answer: JSON.parse(r.body) as unknown, setCookie, cookie: setCookie.split(';')[0] ?? '' };
}

function connect(url: string, origin: string, cookie?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin, ...(cookie ? { headers: { cookie } } : {}) });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

let front: BrowserFront | undefined;
afterEach(async () => {
  await front?.close();
  front = undefined;
});

async function start() {
  const backend = testBackend('browser');
  front = await startBrowserFront({
    backend,
    rendererDir: rendererDir(),
    port: 0,
    token: 'test-token-123456',
  });
  const origin = `http://127.0.0.1:${front.port}`;
  const socketUrl = `ws://127.0.0.1:${front.port}/bridge`;
  return { backend, front, origin, socketUrl };
}

/** A front and a signed-in socket's cookie. */
async function startSignedIn() {
  const started = await start();
  const { cookie } = await signIn(started.front.port, started.origin);
  return { ...started, cookie };
}

describe('browser front (k3s-wizard serve)', () => {
  it('never serves a source map, even if a build left one', async () => {
    const { front } = await start();
    const map = await get(front.port, '/assets/app.js.map');
    expect(map.status).toBe(404);
    expect(map.body).not.toContain('sources');
  });

  it('listens on 127.0.0.1 and prints an address with the token', async () => {
    const { front } = await start();
    expect(front.url).toBe(`http://127.0.0.1:${front.port}/?token=test-token-123456`);
  });

  it('serves the renderer with the security headers', async () => {
    const { front } = await start();
    const page = await get(front.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('k3s-wizard');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await get(front.port, '/assets/app.js')).headers['content-type']).toContain('javascript');
  });

  it('refuses paths outside the renderer and foreign Host headers', async () => {
    const { front } = await start();
    expect((await get(front.port, '/../../../../etc/passwd')).body).not.toContain('root:');
    expect((await get(front.port, '/%2e%2e/%2e%2e/etc/passwd')).body).not.toContain('root:');
    expect((await get(front.port, '/', 'evil.example')).status).toBe(421);
  });

  it('trades the one-time key of the address for a session cookie, once', async () => {
    const { front, origin, socketUrl } = await start();
    expect(await get(front.port, '/bridge/session').then((r) => JSON.parse(r.body) as unknown)).toEqual({
      ok: false,
      reason: 'none',
    });
    const first = await signIn(front.port, origin);
    expect(first.answer).toEqual({ ok: true });
    expect(first.setCookie).toMatch(
      new RegExp(`^k3s-wizard-session-${front.port}=[\\w-]{43}; Path=/bridge; HttpOnly; SameSite=Strict$`),
    );
    expect(first.setCookie).not.toContain('test-token-123456');
    // The address again (from the history, a copy, another browser): used up.
    const again = await signIn(front.port, origin);
    expect(again).toEqual({ answer: { ok: false, reason: 'used' }, setCookie: '', cookie: '' });
    expect((await signIn(front.port, origin, 'test-token-654321')).answer).toEqual({
      ok: false,
      reason: 'unknown',
    });
    const ws = await connect(socketUrl, origin, first.cookie);
    ws.close();
  });

  it('refuses a sign-in from another origin or with a malformed or oversized request', async () => {
    const { front, origin } = await start();
    const key = JSON.stringify({ key: 'test-token-123456' });
    expect((await post(front.port, '/bridge/session', key, 'http://evil.example')).status).toBe(403);
    expect((await post(front.port, '/bridge/session', '{"key":', origin)).status).toBe(400);
    expect((await post(front.port, '/bridge/session', 'x'.repeat(5000), origin)).status).toBe(413);
    // None of them used the key up.
    expect((await signIn(front.port, origin)).answer).toEqual({ ok: true });
  });

  it('refuses a socket without the session cookie, with the key instead, or from another origin', async () => {
    const { front, origin, socketUrl, cookie } = await startSignedIn();
    await expect(connect(socketUrl, origin)).rejects.toThrow('HTTP 401');
    await expect(connect(`${socketUrl}?token=test-token-123456`, origin)).rejects.toThrow('HTTP 401');
    await expect(
      connect(socketUrl, origin, `k3s-wizard-session-${front.port}=${'a'.repeat(43)}`),
    ).rejects.toThrow('HTTP 401');
    // Another port's cookie name (a second front) does not open this one.
    await expect(connect(socketUrl, origin, cookie.replace(`-${front.port}=`, '-1='))).rejects.toThrow(
      'HTTP 401',
    );
    await expect(connect(socketUrl, 'http://evil.example', cookie)).rejects.toThrow('HTTP 403');
    const r = await get(front.port, '/bridge/session');
    expect(JSON.parse(r.body)).toEqual({ ok: false, reason: 'none' });
  });

  it('carries invokes and events over the socket', async () => {
    const { socketUrl, origin, cookie } = await startSignedIn();
    const ws = await connect(socketUrl, origin, cookie);
    const messages: ServerMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as ServerMessage));
    ws.send(JSON.stringify({ type: 'invoke', id: 7, channel: 'app:info', input: {} }));
    await expect
      .poll(() => messages.find((m) => m.type === 'result'))
      .toMatchObject({
        type: 'result',
        id: 7,
        response: { ok: true, result: { front: 'browser', version: '9.8.7' } },
      });
    // The call is logged, and the log line reaches this socket as an event.
    await expect
      .poll(() =>
        messages.some(
          (m) => m.type === 'event' && m.channel === 'app:log' && JSON.stringify(m).includes('app:info'),
        ),
      )
      .toBe(true);
    ws.send(JSON.stringify({ type: 'invoke', id: 8, channel: 'nope:nope', input: {} }));
    await expect
      .poll(() => messages.find((m) => m.type === 'result' && m.id === 8))
      .toMatchObject({ response: { ok: false, error: { code: 'UNKNOWN_CHANNEL' } } });
    ws.close();
  });

  it('closes a socket that sends malformed messages', async () => {
    const { socketUrl, origin, cookie } = await startSignedIn();
    const ws = await connect(socketUrl, origin, cookie);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"type":"invoke","id":"x"}');
    expect(await closed).toBe(1008);
  });
});
