/** Turns ssh2 and socket errors into AppErrors that name the host and say what to do. */
import { AppError } from '../../shared/errors';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
}

export function describeTarget(target: SshTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return target.port === 22 ? `${target.user}@${host}` : `${target.user}@${host}:${target.port}`;
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

/** `details.reason` of a machine that hung up before the login was done (worth another try). */
export const CLOSED_EARLY = 'closed-early';

/** The machine hung up `stage` ("before the key exchange", "while logging in"). */
export function closedEarly(target: SshTarget, stage: string): AppError {
  return new AppError('HOST_UNREACHABLE', `${describeTarget(target)} closed the connection ${stage}.`, {
    host: target.host,
    port: target.port,
    user: target.user,
    reason: CLOSED_EARLY,
    stage,
  });
}

/** The error ssh2 reported while connecting, as an AppError (the message never holds a secret). */
export function connectError(error: Ssh2Error, target: SshTarget, readyTimeoutMs: number): AppError {
  const where = describeTarget(target);
  const details = { host: target.host, port: target.port, user: target.user };
  if (error.level === 'protocol' && error.message === 'Connection lost before handshake') {
    return closedEarly(target, 'before the key exchange');
  }
  if (error.level === 'client-authentication') {
    return new AppError(
      'AUTH_FAILED',
      `${where} did not accept the login (tried: ${error.message.replace(/^All configured authentication methods failed$/, 'every configured method')}). Check the user, password or key.`,
      details,
    );
  }
  if (error.level === 'client-timeout' || error.code === 'ETIMEDOUT') {
    return new AppError(
      'TIMEOUT',
      `${where} did not answer within ${Math.round(readyTimeoutMs / 1000)} s. Is the machine on and reachable?`,
      { ...details, timeoutMs: readyTimeoutMs },
    );
  }
  if (
    ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'].includes(
      error.code ?? '',
    )
  ) {
    const why =
      error.code === 'ECONNREFUSED'
        ? `nothing is listening on port ${target.port} (is the SSH server running?)`
        : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
          ? 'the name could not be resolved'
          : error.code === 'ECONNRESET'
            ? 'the connection was reset'
            : 'there is no route to it';
    return new AppError('HOST_UNREACHABLE', `${where} could not be reached: ${why}.`, {
      ...details,
      reason: error.code,
    });
  }
  return new AppError('HOST_UNREACHABLE', `${where} could not be reached: ${error.message}.`, details);
}

export function connectionLost(target: SshTarget, step: string | undefined): AppError {
  const during = step ? ` during "${step}"` : '';
  return new AppError(
    'CONNECTION_LOST',
    `The connection to ${describeTarget(target)} was lost${during}. Retrying reconnects.`,
    { host: target.host, port: target.port, step: step ?? null },
  );
}
