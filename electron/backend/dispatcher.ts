import type { z } from 'zod';
import type { InvokeResponse } from '../../shared/bridge';
import {
  contract,
  isInvokeChannel,
  type Front,
  type InvokeChannel,
  type InvokeOutput,
  type InvokeParsedInput,
} from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { summarize } from '../../shared/redact';
import type { Logger } from './logger';

export interface CallContext {
  front: Front;
  /** Aborted when the caller goes away (window closed, socket dropped). */
  signal?: AbortSignal;
}

export type Handlers = {
  [C in InvokeChannel]: (input: InvokeParsedInput<C>, ctx: CallContext) => Promise<InvokeOutput<C>>;
};

export interface Dispatcher {
  dispatch(channel: unknown, input: unknown, ctx: CallContext): Promise<InvokeResponse>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * The single entry point every front uses: validates the channel and payload against the
 * contract, runs the handler, logs the call (arguments truncated and redacted), and returns
 * `{ ok, result }` or `{ ok: false, error: { code, message } }` (the error redacted). Results
 * are not redacted: a revealed join command holds the token on purpose. Never throws.
 */
export function createDispatcher({ handlers, logger }: { handlers: Handlers; logger: Logger }): Dispatcher {
  return {
    async dispatch(channel, input, ctx) {
      if (!isInvokeChannel(channel)) {
        logger.warn('ipc', `refused unknown channel ${summarize(channel, [], 60)} from ${ctx.front}`);
        return {
          ok: false,
          error: { code: 'UNKNOWN_CHANNEL', message: `There is no channel ${summarize(channel, [], 60)}.` },
        };
      }
      const spec = contract.invoke[channel];
      const parsed = spec.input.safeParse(input ?? {});
      if (!parsed.success) {
        logger.warn('ipc', `${channel} refused: invalid input`);
        return {
          ok: false,
          error: {
            code: 'INVALID_INPUT',
            message: `Invalid request for ${channel}: ${describeIssues(parsed.error)}`,
          },
        };
      }
      const started = Date.now();
      const args = summarize(parsed.data, logger.knownSecrets());
      try {
        const handler = handlers[channel] as (input: unknown, ctx: CallContext) => Promise<unknown>;
        const result = spec.output.parse(await handler(parsed.data, ctx));
        logger.log('debug', 'ipc', `${channel} ${args} ok in ${Date.now() - started} ms`);
        return { ok: true, result };
      } catch (error) {
        if (error instanceof AppError) {
          logger.warn('ipc', `${channel} ${args} failed: ${error.code} ${error.message}`);
          // Messages and details may quote a remote host's output: redacted like everything else.
          return { ok: false, error: logger.redactor.strings(error.toPayload()) };
        }
        const detail = error instanceof Error ? error.message : String(error);
        logger.error('ipc', `${channel} ${args} crashed: ${detail}`);
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `Internal error in ${channel}: ${logger.redact(detail)}` },
        };
      }
    },
  };
}
