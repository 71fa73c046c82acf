/**
 * Stable error codes that cross every front (IPC, WebSocket, command line).
 * The UI maps a code to words a person understands; the message carries the specifics.
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN',
  'INTERNAL',
  'NOT_FOUND',
  'CANCELLED',
  'TIMEOUT',
  'HOST_UNREACHABLE',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_MISMATCH',
  'AUTH_FAILED',
  'CONNECTION_LOST',
  'COMMAND_FAILED',
  'SUDO_PASSWORD_REQUIRED',
  'SUDO_PASSWORD_WRONG',
  'SUDO_UNAVAILABLE',
  'SPEC_INVALID',
  'PLAN_FAILED',
  'FILE_ERROR',
  'INSTALL_FAILED',
  'DOWNLOAD_FAILED',
  'JOIN_UNREACHABLE',
  'JOIN_TOKEN_REJECTED',
  'DUPLICATE_NODE',
  'SERVICE_TIMEOUT',
  'NODE_NOT_READY',
  'API_UNREACHABLE',
  'STEP_FAILED',
  'UNSUPPORTED',
  'FIREWALL_LOCKOUT',
  'FIREWALL_BLOCKS_CLUSTER',
  'CLUSTER_FLOWS_BLOCKED',
  'HOST_DID_NOT_RETURN',
  'CHECKSUM_MISMATCH',
  'AIRGAP_FILE_MISSING',
  'DISK_FULL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** An error with a stable code. Its message must never contain a secret. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Rebuilds an AppError from a payload that crossed a process boundary. */
export function errorFromPayload(payload: ErrorPayload): AppError {
  return new AppError(
    isErrorCode(payload.code) ? payload.code : 'INTERNAL',
    payload.message,
    payload.details,
  );
}

/** One sentence per code, for people; the specific message is shown below it. */
export const ERROR_TITLES: Record<ErrorCode, string> = {
  INVALID_INPUT: 'Some of the input is not valid.',
  UNKNOWN_CHANNEL: 'The app asked its back end for something it does not know.',
  FORBIDDEN: 'That request was refused.',
  INTERNAL: 'Something went wrong inside k3s-wizard.',
  NOT_FOUND: 'It could not be found.',
  CANCELLED: 'It was cancelled.',
  TIMEOUT: 'It took too long and was stopped.',
  HOST_UNREACHABLE: 'The machine could not be reached.',
  HOST_KEY_UNKNOWN: 'This machine has not been trusted yet.',
  HOST_KEY_MISMATCH: "The machine's identity (host key) has changed.",
  AUTH_FAILED: 'The machine did not accept the login.',
  CONNECTION_LOST: 'The connection to the machine was lost.',
  COMMAND_FAILED: 'A command on the machine failed.',
  SUDO_PASSWORD_REQUIRED: 'sudo on this machine needs a password.',
  SUDO_PASSWORD_WRONG: 'The sudo password was not accepted.',
  SUDO_UNAVAILABLE: 'This user cannot use sudo on the machine.',
  SPEC_INVALID: 'The cluster settings have problems.',
  PLAN_FAILED: 'The install plan could not be made.',
  FILE_ERROR: 'A file could not be read or written.',
  INSTALL_FAILED: 'K3s could not be installed on the machine.',
  DOWNLOAD_FAILED: 'The install script or K3s could not be downloaded.',
  JOIN_UNREACHABLE: 'The machine could not reach the server to join the cluster.',
  JOIN_TOKEN_REJECTED: 'The server refused the join token.',
  DUPLICATE_NODE: 'The cluster already has a node of that name.',
  SERVICE_TIMEOUT: 'K3s did not start in time.',
  NODE_NOT_READY: 'A node did not become Ready.',
  API_UNREACHABLE: 'The cluster’s API could not be reached from this computer.',
  STEP_FAILED: 'An install step failed.',
  UNSUPPORTED: 'This is not available here: the desktop app can do it.',
  FIREWALL_LOCKOUT: 'The firewall change would have locked this computer out, so it was taken back.',
  FIREWALL_BLOCKS_CLUSTER:
    'With the firewall change the nodes could not reach each other, so it was taken back.',
  CLUSTER_FLOWS_BLOCKED: 'The cluster is installed, but some nodes cannot reach each other.',
  HOST_DID_NOT_RETURN: 'The machine did not come back after its restart.',
  CHECKSUM_MISMATCH: 'A file does not match its checksum.',
  AIRGAP_FILE_MISSING: 'The air-gap folder lacks a file a machine needs.',
  DISK_FULL: 'A machine ran out of disk space.',
};
