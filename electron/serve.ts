/**
 * The browser front: the built renderer and the contract over a WebSocket, on 127.0.0.1 only.
 * A random token (in the URL printed at start) guards the socket; requests from another
 * origin or with a foreign Host header (DNS rebinding) are refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_PATH, ClientMessage, MAX_MESSAGE_BYTES, type ServerMessage } from '../shared/wire';
import type { Backend } from './backend';
import { SECURITY_HEADERS } from './csp';
import { readStaticFile } from './static-files';

export interface BrowserFrontOptions {
  backend: Backend;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** Extra origins allowed to open the socket (the Vite dev server in `npm run dev`). */
  extraOrigins?: string[];
}

export interface BrowserFront {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

function sameToken(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startBrowserFront(options: BrowserFrontOptions): Promise<BrowserFront> {
  const { backend, rendererDir } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = options.port ?? 0;
  const allowedHosts = (): string[] => [`${HOST}:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => [
    ...allowedHosts().map((host) => `http://${host}`),
    ...(options.extraOrigins ?? []),
  ];

  const refuse = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`${text}\n`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(res, 421, 'Unknown host.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    readStaticFile(rendererDir, req.url ?? '/')
      .then((file) => {
        if (!file) return refuse(res, 404, 'Not found.');
        res.writeHead(200, {
          'Content-Type': file.contentType,
          'Cache-Control': 'no-store',
          ...SECURITY_HEADERS,
        });
        res.end(req.method === 'HEAD' ? undefined : file.body);
      })
      .catch(() => refuse(res, 500, 'Could not read the app files.'));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const deny = (status: number, text: string): void => {
      backend.logger.warn('serve', `refused a bridge connection: ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== BRIDGE_PATH) return deny(404, 'Not Found');
    if (!allowedHosts().includes(req.headers.host ?? '')) return deny(421, 'Misdirected Request');
    if (!allowedOrigins().includes(req.headers.origin ?? '')) return deny(403, 'Forbidden');
    if (!sameToken(url.searchParams.get('token'), token)) return deny(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket): void {
    const abort = new AbortController();
    const send = (message: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const unsubscribe = backend.hub.subscribe((channel, payload) =>
      send({ type: 'event', channel, payload }),
    );
    ws.on('close', () => {
      unsubscribe();
      abort.abort();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text only');
      let message: ClientMessage;
      try {
        const text = (
          Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
        ).toString('utf8');
        const parsed = ClientMessage.safeParse(JSON.parse(text));
        if (!parsed.success) return ws.close(1008, 'malformed message');
        message = parsed.data;
      } catch {
        return ws.close(1007, 'invalid JSON');
      }
      void backend.dispatcher
        .dispatch(message.channel, message.input, { front: 'browser', signal: abort.signal })
        .then((response) => send({ type: 'result', id: message.id, response }));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  backend.logger.info('serve', `browser front listening on ${HOST}:${port}`);

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
