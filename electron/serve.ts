/**
 * The browser front: the built renderer and the contract over a WebSocket, on 127.0.0.1 only.
 * The address printed at start holds a one-time key: the page trades it for a session cookie
 * (HttpOnly, SameSite=Strict, for this port) and the socket needs that cookie, so the address
 * left in the browser's history, or copied, is useless once used. Requests from another origin
 * or with a foreign Host header (DNS rebinding) are refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BRIDGE_PATH,
  ClientMessage,
  MAX_MESSAGE_BYTES,
  MAX_SESSION_REQUEST_BYTES,
  SESSION_PATH,
  SessionRequest,
  type ServerMessage,
  type SessionAnswer,
} from '../shared/wire';
import type { Backend } from './backend';
import { SECURITY_HEADERS } from './csp';
import { readStaticFile } from './static-files';

export interface BrowserFrontOptions {
  backend: Backend;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** The one-time key of the printed address (random when not given). */
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

function sameToken(given: string | null | undefined, expected: string | null): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie in a Cookie header (RFC 6265 syntax), or null. */
function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the answer still reaches the page.
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startBrowserFront(options: BrowserFrontOptions): Promise<BrowserFront> {
  const { backend, rendererDir } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  /** Traded for `session` by the first page that brings it; never valid again. */
  let launchKeyUsed = false;
  let session: string | null = null;
  let port = options.port ?? 0;
  // Per port: cookies do not tell ports apart, and two fronts may run side by side.
  const cookieName = (): string => `k3s-wizard-session-${port}`;
  const hasSession = (req: IncomingMessage): boolean =>
    sameToken(cookieValue(req.headers.cookie, cookieName()), session);
  const allowedHosts = (): string[] => [`${HOST}:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => [
    ...allowedHosts().map((host) => `http://${host}`),
    ...(options.extraOrigins ?? []),
  ];

  const refuse = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`${text}\n`);
  };

  const answer = (res: ServerResponse, body: SessionAnswer, cookie?: string): void => {
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      ...(cookie ? { 'Set-Cookie': cookie } : {}),
      ...SECURITY_HEADERS,
    });
    res.end(JSON.stringify(body));
  };

  /** POST: the one-time key traded for the session cookie; GET: whether this browser has one. */
  const sessionRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET')
      return answer(res, hasSession(req) ? { ok: true } : { ok: false, reason: 'none' });
    if (req.method !== 'POST') return refuse(res, 405, 'Method not allowed.');
    if (!allowedOrigins().includes(req.headers.origin ?? '')) return refuse(res, 403, 'Forbidden.');
    const body = await readBody(req, MAX_SESSION_REQUEST_BYTES);
    if (body === null) return refuse(res, 413, 'Too large.');
    let parsed;
    try {
      parsed = SessionRequest.safeParse(JSON.parse(body));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) return refuse(res, 400, 'Send {"key": "…"} as JSON.');
    if (!sameToken(parsed.data.key, token)) {
      backend.logger.warn('serve', 'refused a sign-in with a key that is not this server’s');
      return answer(res, { ok: false, reason: 'unknown' });
    }
    if (launchKeyUsed) {
      backend.logger.warn('serve', 'refused a second sign-in with the one-time key of the printed address');
      return answer(res, { ok: false, reason: 'used' });
    }
    launchKeyUsed = true;
    session = randomBytes(32).toString('base64url');
    backend.logger.info('serve', 'a browser signed in with the printed address (its key is now used up)');
    answer(res, { ok: true }, `${cookieName()}=${session}; Path=${BRIDGE_PATH}; HttpOnly; SameSite=Strict`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(res, 421, 'Unknown host.');
    if (new URL(req.url ?? '/', `http://${HOST}`).pathname === SESSION_PATH) {
      sessionRequest(req, res).catch(() => refuse(res, 500, 'Could not read the request.'));
      return;
    }
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
    if (!hasSession(req)) return deny(401, 'Unauthorized');
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
