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

/** Path of the WebSocket endpoint; the token travels as `?token=`. */
export const BRIDGE_PATH = '/bridge';
/** Largest message either side accepts (air-gap uploads go over SFTP, not this socket). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
