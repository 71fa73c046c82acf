/**
 * From what a failed step left behind (exit code, output, the K3s journal, the SSH error) to a
 * stable code and a message that names the host and the step and says what to do. The journal
 * wins over the exit code: the install script only knows that the service did not start, K3s
 * knows why.
 */
import type { ErrorCode } from '../errors';

export interface FailureContext {
  host: string;
  step: string;
  /** What the failing action does ("install K3s as an agent and start it"). */
  action: string;
  /** The action runs the K3s install script (so the journal is meaningful). */
  install: boolean;
  /** The action fetches a file (install script, binary). */
  download: boolean;
  exitCode: number | null;
  /** Last output lines of the action (redacted). */
  output: string;
  /** `journalctl -u k3s|k3s-agent` lines (redacted), when read. */
  journal?: string;
  /** An error from the transport: CONNECTION_LOST, TIMEOUT, CANCELLED, SUDO_PASSWORD_WRONG… */
  cause?: { code: ErrorCode; message: string };
  /** The step or service start ran out of time. */
  timedOutAfterMs?: number;
}

export interface Classified {
  code: ErrorCode;
  message: string;
}

const TOKEN_REJECTED =
  /token is not valid|token CA hash does not match|failed to validate token|invalid bootstrap token|bootstrap token .* (expired|not found)|401 Unauthorized/i;
const UNREACHABLE =
  /(dial tcp|failed to get CA certs|validate connection)[^\n]*(connection refused|i\/o timeout|no route to host|network is unreachable|connection timed out|context deadline exceeded)/i;
const DUPLICATE = /Node password rejected|duplicate hostname/i;
const DOWNLOAD =
  /download failed|failed to download|sha256 does not match|curl: \(\d+\)|wget: |Could not resolve host/i;
const FATAL = /level=fatal msg="([^"]+)"/;
const DISK_FULL = /No space left on device|k3s-wizard: disk full/i;

/** The address the journal says the node tried to reach, if it says. */
function serverIn(text: string): string | null {
  return /https:\/\/[^\s"/]+/.exec(text)?.[0]?.replace(/[:.,]+$/, '') ?? null;
}

type JoinProblem = 'JOIN_TOKEN_REJECTED' | 'JOIN_UNREACHABLE' | 'DUPLICATE_NODE';

/**
 * What the most recent join error in a journal says, with its line. K3s keeps retrying, so an
 * old line (an earlier attempt, another token) must not win over what happens now.
 */
export function latestJoinProblem(journal: string): { code: JoinProblem; line: string } | null {
  const lines = journal.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (DUPLICATE.test(line)) return { code: 'DUPLICATE_NODE', line };
    if (TOKEN_REJECTED.test(line)) return { code: 'JOIN_TOKEN_REJECTED', line };
    if (UNREACHABLE.test(line)) return { code: 'JOIN_UNREACHABLE', line };
  }
  return null;
}

export function classifyFailure(ctx: FailureContext): Classified {
  const { host, step } = ctx;
  const journal = ctx.journal ?? '';
  const both = `${journal}\n${ctx.output}`;
  const at = `${host}, step “${step}”`;
  const cause = ctx.cause;
  if (cause && cause.code !== 'TIMEOUT') {
    const hint: Partial<Record<ErrorCode, string>> = {
      CANCELLED: 'The run was cancelled; run it again to continue where it stopped.',
      CONNECTION_LOST:
        'Check that the machine is on and SSH runs, then retry this host: finished steps are not repeated.',
    };
    return {
      code: cause.code,
      message: `${at}: ${cause.message}${hint[cause.code] ? ` ${hint[cause.code]}` : ''}`,
    };
  }
  const full = DISK_FULL.exec(both);
  if (full) {
    const said = /k3s-wizard: disk full: (.*)/.exec(both)?.[1]?.trim();
    return {
      code: 'DISK_FULL',
      message: `${at}: ${host} is out of disk space (${said ?? full[0]}). Free some space there (old logs, images, a bigger SD card), then retry ${host}: nothing after this step was done.`,
    };
  }
  const problem = ctx.install || journal ? latestJoinProblem(`${ctx.output}\n${journal}`) : null;
  const server = problem ? serverIn(problem.line) : null;
  if (problem?.code === 'DUPLICATE_NODE') {
    return {
      code: 'DUPLICATE_NODE',
      message: `${at}: the cluster already has a node named ${host} from an earlier install (or a cloned machine). Delete it on the first server (k3s kubectl delete node ${host}) or give this machine another node name, then retry ${host}.`,
    };
  }
  if (problem?.code === 'JOIN_TOKEN_REJECTED') {
    return {
      code: 'JOIN_TOKEN_REJECTED',
      message: `${at}: the server${server ? ` at ${server}` : ''} refused the join token ${host} was given, as one of another cluster or an old one (was the first server reinstalled?). Run again: k3s-wizard reads the token afresh from the first server.`,
    };
  }
  if (problem?.code === 'JOIN_UNREACHABLE') {
    return {
      code: 'JOIN_UNREACHABLE',
      message: `${at}: ${host} cannot reach the server${server ? ` at ${server}` : ''} (connection refused or timed out). Open the API port (TCP 6443) on the server’s firewall and any firewall between them, then retry ${host}.`,
    };
  }
  if (ctx.download && (ctx.exitCode !== null || DOWNLOAD.test(both))) {
    return {
      code: 'DOWNLOAD_FAILED',
      message: `${at}: ${host} could not download what “${ctx.action}” needs${ctx.exitCode !== null ? ` (exit ${ctx.exitCode})` : ''}. Check its internet access, DNS and proxy, or the mirror URL, or install air-gapped.`,
    };
  }
  if (ctx.install && DOWNLOAD.test(ctx.output)) {
    return {
      code: 'DOWNLOAD_FAILED',
      message: `${at}: the install script on ${host} could not download K3s. Check the host’s internet access or the mirror (GITHUB_URL), or install air-gapped.`,
    };
  }
  if (ctx.timedOutAfterMs !== undefined || cause?.code === 'TIMEOUT') {
    const secs = Math.round((ctx.timedOutAfterMs ?? 0) / 1000);
    const fatal = FATAL.exec(journal)?.[1];
    return ctx.install || journal
      ? {
          code: 'SERVICE_TIMEOUT',
          message: `${at}: K3s on ${host} did not start${secs ? ` within ${secs} s` : ' in time'}${fatal ? `: ${fatal}` : ''}. Its journal is attached; fix what it says and retry ${host}.`,
        }
      : {
          code: 'TIMEOUT',
          message: `${at}: “${ctx.action}” did not finish${secs ? ` within ${secs} s` : ' in time'} and was stopped. Retry ${host}.`,
        };
  }
  if (ctx.install) {
    const fatal = FATAL.exec(journal)?.[1];
    return {
      code: 'INSTALL_FAILED',
      message: `${at}: the K3s install script failed on ${host}${ctx.exitCode !== null ? ` (exit ${ctx.exitCode})` : ''}${fatal ? `: ${fatal}` : ''}. The last output and the K3s journal are attached.`,
    };
  }
  return {
    code: 'STEP_FAILED',
    message: `${at}: “${ctx.action}” failed${ctx.exitCode !== null ? ` (exit ${ctx.exitCode})` : ''}. The last output is attached.`,
  };
}

/** The last `max` non-empty lines of a text. */
export function lastLines(text: string, max = 20): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .filter((line) => line !== '')
    .slice(-max);
}
