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

function connect(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
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
  const socketUrl = `ws://127.0.0.1:${front.port}/bridge?token=test-token-123456`;
  return { backend, front, origin, socketUrl };
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

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    const { front, origin } = await start();
    await expect(connect(`ws://127.0.0.1:${front.port}/bridge`, origin)).rejects.toThrow('HTTP 401');
    await expect(
      connect(`ws://127.0.0.1:${front.port}/bridge?token=test-token-654321`, origin),
    ).rejects.toThrow('HTTP 401');
    await expect(
      connect(`ws://127.0.0.1:${front.port}/bridge?token=test-token-123456`, 'http://evil.example'),
    ).rejects.toThrow('HTTP 403');
  });

  it('carries invokes and events over the socket', async () => {
    const { socketUrl, origin } = await start();
    const ws = await connect(socketUrl, origin);
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
    const { socketUrl, origin } = await start();
    const ws = await connect(socketUrl, origin);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"type":"invoke","id":"x"}');
    expect(await closed).toBe(1008);
  });
});
