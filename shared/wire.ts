/**
 * Messages of the browser front's WebSocket: the same contract as Electron IPC, framed as JSON.
 */
import { z } from 'zod';

export const ClientMessage = z.object({
  type: z.literal('invoke'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(100),
  input: z.unknown(),
});
export type ClientMessage = z.infer<typeof ClientMessage>;

export const ErrorPayloadSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    response: z.union([
      z.object({ ok: z.literal(true), result: z.unknown() }),
      z.object({ ok: z.literal(false), error: ErrorPayloadSchema }),
    ]),
  }),
  z.object({ type: z.literal('event'), channel: z.string(), payload: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Path of the WebSocket endpoint; it needs the session cookie (see SESSION_PATH). */
export const BRIDGE_PATH = '/bridge';
/** Largest message either side accepts (air-gap uploads go over SFTP, not this socket). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The browser front's sign-in: the page trades the one-time key of the printed address for a
 * session cookie (HttpOnly, SameSite=Strict) that the socket then needs. POST with the key
 * trades it (once); GET says whether this browser has a session. Answers are 200 with the
 * outcome in the body, so the page's console stays clean.
 */
export const SESSION_PATH = `${BRIDGE_PATH}/session`;
export const MAX_SESSION_REQUEST_BYTES = 1024;

export const SessionRequest = z.object({ key: z.string().min(1).max(200) });
export type SessionRequest = z.infer<typeof SessionRequest>;

/** `used`: the key was traded already; `unknown`: not this server's key (an earlier run's, a typo); `none`: no key and no session. */
export const SessionAnswer = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), reason: z.enum(['used', 'unknown', 'none']) }),
]);
export type SessionAnswer = z.infer<typeof SessionAnswer>;
