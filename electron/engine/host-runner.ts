/**
 * What the engine needs from one host. The SSH implementation runs on the session pool; tests
 * use a fake. Transport problems (connection lost, timeout, cancel, sudo refused) are thrown as
 * AppErrors; a command's own failure is its exit code.
 */
import type { BatchPart, RemoteFile } from '../../shared/plan';

export interface ExecRequest {
  /** One sh command line (never holding a secret). */
  command: string;
  /** Run as root (through sudo unless logged in as root). */
  sudo: boolean;
  /** Fed to the command (after sudo's password line, when sudo needs one). */
  stdin?: string;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  timeoutMs: number;
  signal: AbortSignal;
  /** What it is for, named in transport errors. */
  what: string;
}

export interface ExecOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  signal: string | null;
}

export interface WriteFileRequest {
  path: string;
  mode: string;
  owner: string;
  content: string;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface UploadRequest {
  localFile: string;
  remotePath: string;
  mode: string;
  sha256: string | null;
  onProgress?: (transferred: number, total: number) => void;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Several commands in one round trip (see shared/plan/batch.ts); stops at the first failing part. */
export interface BatchRequest {
  parts: BatchPart[];
  /** Run as root (the parts that do not need it run as root too). */
  sudo: boolean;
  /** Told when a part starts, before its output. */
  onPart?: (index: number) => void;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  timeoutMs: number;
  signal: AbortSignal;
  what: string;
}

export interface BatchOutcome {
  /** Exit code of each part that ran, in order; the last one is the failure when not 0 and not optional. */
  codes: number[];
  /** The batch's own exit (not 0: a part failed, or the script was killed). */
  code: number | null;
}

/** A file copied to a private temporary path on the host (placeFileCommand puts it in place). */
export interface SendFileRequest {
  localFile: string;
  /**
   * Not copied when the host has this file with this sha256 already (its mode is made right):
   * a destination that does not exist is copied at once, one that does is compared first.
   */
  unlessSame?: RemoteFile;
  onProgress?: (transferred: number, total: number) => void;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface HostRunner {
  /** The node name. */
  readonly host: string;
  exec(request: ExecRequest): Promise<ExecOutcome>;
  /** Runs the parts in one execution; a part's stdin and file content on stdin only. */
  batch(request: BatchRequest): Promise<BatchOutcome>;
  /** Writes a file as root with its content on stdin only. */
  writeFile(request: WriteFileRequest): Promise<void>;
  /** Copies the file unless the host has it already with the same sha256 (`skipped`). */
  upload(request: UploadRequest): Promise<{ skipped: boolean }>;
  /**
   * Copies files side by side to new private temporary paths on the host; returns them in
   * order, null for a file not copied because the host has it already (`unlessSame`).
   */
  sendFiles(requests: readonly SendFileRequest[]): Promise<(string | null)[]>;
  /** Logs in anew (not on the shared connection) and runs `true`; throws what stopped it. */
  freshLogin(request: { timeoutMs: number; signal: AbortSignal }): Promise<void>;
  /** Reboots, waits until SSH answers from the new boot, reconnects. */
  rebootAndWait(request: RebootRequest): Promise<void>;
  /**
   * Starts root shells now for the commands or batches with these `what`s that follow soon
   * (each used once, on this host); those still unused when `until` fires end unused. A hint:
   * a runner may do nothing, and a request runs the same either way.
   */
  prepare?(whats: readonly string[], until: AbortSignal): void;
  /** Commands and transfers sent so far (for the benchmark). */
  readonly roundTrips: number;
}

export interface RebootRequest {
  timeoutMs: number;
  signal: AbortSignal;
  /** Told every few seconds while the host is away, with how long it has been. */
  onWaiting?: (elapsedMs: number) => void;
}
