/**
 * Runs the Docker rehearsal (see shared/rehearsal.ts) with the `docker` command on this
 * computer's PATH: checks the engine answers, starts the container (or finds it already
 * running), copies K3s's kubeconfig out with `docker cp`, merges it under the cluster's name
 * with the server address rewritten to the published port, and waits until the node is Ready.
 * Running it again changes nothing; `removeRehearsal` takes it all back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import {
  REHEARSAL_KUBECONFIG,
  REHEARSAL_LABEL,
  rehearsalImage,
  rehearsalProblems,
  rehearsalRunArgs,
  rehearsalServer,
  type RehearsalOptions,
} from '../../shared/rehearsal';
import {
  removeKubeconfig,
  saveKubeconfig,
  type KubeconfigPlace,
  type SaveKubeconfigResult,
} from '../kubeconfig/file';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}
export type Docker = (args: string[], options?: { timeoutMs?: number }) => Promise<DockerResult>;

/** What one docker command may print before it is cut off (a broken engine must not fill memory). */
const MAX_OUTPUT = 4 << 20;

/** The `docker` command of `env.PATH`, run with an argument list (no shell). */
export function dockerCommand(env: NodeJS.ProcessEnv): Docker {
  return (args, options = {}) =>
    new Promise((resolve, reject) => {
      execFile(
        'docker',
        args,
        { env, timeout: options.timeoutMs ?? 60_000, maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const failure = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
          if (failure?.code === 'ENOENT') {
            reject(
              new AppError(
                'UNSUPPORTED',
                'Docker was not found on this computer (no `docker` command on PATH). Install Docker (Docker Desktop, or the docker.io package), or build the cluster on real machines.',
              ),
            );
            return;
          }
          if (failure?.killed) {
            reject(new AppError('TIMEOUT', `docker ${args[0] ?? ''} did not finish in time.`));
            return;
          }
          resolve({
            code: typeof failure?.code === 'number' ? failure.code : failure ? 1 : 0,
            stdout,
            stderr,
          });
        },
      );
    });
}

export interface RehearsalRequest {
  options: RehearsalOptions;
  docker: Docker;
  place: KubeconfigPlace;
  /** How long K3s may take to write its kubeconfig and report the node Ready. */
  timeoutMs?: number;
  /** Between two looks while waiting. */
  pollMs?: number;
  onProgress?: (message: string) => void;
}

export interface RehearsalNode {
  name: string;
  ready: boolean;
  version: string;
}

export interface RehearsalResult {
  name: string;
  image: string;
  server: string;
  /** False when the container was already running: nothing was started. */
  started: boolean;
  kubeconfig: SaveKubeconfigResult;
  nodes: RehearsalNode[];
}

const firstLine = (text: string) => text.trim().split('\n')[0]?.slice(0, 300) ?? '';

interface Existing {
  running: boolean;
  image: string;
  ours: boolean;
}

async function inspect(docker: Docker, name: string): Promise<Existing | null> {
  const r = await docker([
    'container',
    'inspect',
    '--format',
    `{{.State.Running}} {{.Config.Image}} {{index .Config.Labels "${REHEARSAL_LABEL}"}}`,
    name,
  ]);
  if (r.code !== 0) {
    if (/no such (container|object)/i.test(r.stderr)) return null;
    throw new AppError('COMMAND_FAILED', `docker container inspect ${name} failed: ${firstLine(r.stderr)}`);
  }
  const [running, image, label] = r.stdout.trim().split(/\s+/);
  return { running: running === 'true', image: image ?? '', ours: label === name };
}

async function engineAnswers(docker: Docker): Promise<void> {
  const r = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  if (r.code !== 0 || r.stdout.trim() === '')
    throw new AppError(
      'UNSUPPORTED',
      `Docker is installed, but its engine does not answer (${firstLine(r.stderr) || 'no server version'}). Start Docker (Docker Desktop, or \`sudo systemctl start docker\`) and try again.`,
    );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  timeoutMs: number,
  pollMs: number,
  look: () => Promise<T | null>,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await look();
    if (value !== null) return value;
    if (Date.now() >= end) throw new AppError('TIMEOUT', what);
    await sleep(pollMs);
  }
}

function parseNodes(text: string): RehearsalNode[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const items = (doc as { items?: unknown }).items;
  if (!Array.isArray(items)) return null;
  return items.slice(0, 100).map((item) => {
    const n = item as {
      metadata?: { name?: unknown };
      status?: {
        conditions?: { type?: unknown; status?: unknown }[];
        nodeInfo?: { kubeletVersion?: unknown };
      };
    };
    const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 253) : '');
    return { name: text(n.metadata?.name), ready, version: text(n.status?.nodeInfo?.kubeletVersion) };
  });
}

export async function startRehearsal(request: RehearsalRequest): Promise<RehearsalResult> {
  const { options, docker } = request;
  const problems = rehearsalProblems(options);
  if (problems.length > 0) throw new AppError('INVALID_INPUT', problems.join(' '));
  const timeoutMs = request.timeoutMs ?? 180_000;
  const pollMs = request.pollMs ?? 1_000;
  const say = request.onProgress ?? (() => undefined);
  const image = rehearsalImage(options.version);

  await engineAnswers(docker);
  const existing = await inspect(docker, options.name);
  let started = false;
  if (existing && !existing.ours)
    throw new AppError(
      'INVALID_INPUT',
      `A container named “${options.name}” already exists and was not made by k3s-wizard; choose another name (--name).`,
    );
  if (existing && existing.image !== image)
    throw new AppError(
      'INVALID_INPUT',
      `The rehearsal “${options.name}” runs ${existing.image}, not ${image}. Remove it first (k3s-wizard rehearse --remove --name ${options.name}), then start it again.`,
    );
  if (!existing) {
    say(`Starting ${image} as “${options.name}” (API on 127.0.0.1:${options.port})…`);
    const run = await docker(rehearsalRunArgs(options), { timeoutMs: 15 * 60_000 }); // may pull the image
    if (run.code !== 0) {
      const why = firstLine(run.stderr);
      const hint = /port is already allocated|address already in use/i.test(run.stderr)
        ? ` Port ${options.port} is taken on this computer: choose another (--port).`
        : '';
      throw new AppError('COMMAND_FAILED', `docker run failed: ${why}.${hint}`);
    }
    started = true;
  } else if (!existing.running) {
    say(`Starting the stopped rehearsal “${options.name}”…`);
    const start = await docker(['start', options.name]);
    if (start.code !== 0)
      throw new AppError('COMMAND_FAILED', `docker start failed: ${firstLine(start.stderr)}`);
    started = true;
  } else {
    say(`The rehearsal “${options.name}” is already running.`);
  }

  say('Waiting for K3s to write its kubeconfig…');
  const kubeconfig = await until(
    `K3s in “${options.name}” did not write ${REHEARSAL_KUBECONFIG} in time; see \`docker logs ${options.name}\`.`,
    timeoutMs,
    pollMs,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'k3sw-rehearsal-'));
      try {
        const file = join(dir, 'k3s.yaml');
        const r = await docker(['cp', `${options.name}:${REHEARSAL_KUBECONFIG}`, file]);
        if (r.code !== 0) return null;
        const text = readFileSync(file, 'utf8');
        return text.trim() === '' ? null : text.slice(0, 1 << 20);
      } catch {
        return null;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
  const server = rehearsalServer(options);
  const saved = saveKubeconfig({
    ...request.place,
    kubeconfig,
    server,
    contextName: options.name,
    file: 'merge',
  });

  say('Waiting for the node to be Ready…');
  const nodes = await until(
    `The node in “${options.name}” did not become Ready in time; see \`docker logs ${options.name}\`.`,
    timeoutMs,
    pollMs,
    async () => {
      const r = await docker(['exec', options.name, 'kubectl', 'get', 'nodes', '-o', 'json']);
      const list = r.code === 0 ? parseNodes(r.stdout) : null;
      return list && list.length > 0 && list.every((n) => n.ready) ? list : null;
    },
  );
  return { name: options.name, image, server, started, kubeconfig: saved, nodes };
}

export interface RemoveRehearsalResult {
  removed: boolean;
  kubeconfig: SaveKubeconfigResult;
}

export async function removeRehearsal(request: {
  name: string;
  docker: Docker;
  place: KubeconfigPlace;
}): Promise<RemoveRehearsalResult> {
  const { name, docker } = request;
  await engineAnswers(docker);
  const existing = await inspect(docker, name);
  if (existing && !existing.ours)
    throw new AppError(
      'INVALID_INPUT',
      `The container “${name}” was not made by k3s-wizard; it is left as it is.`,
    );
  if (existing) {
    const r = await docker(['rm', '--force', name]);
    if (r.code !== 0) throw new AppError('COMMAND_FAILED', `docker rm failed: ${firstLine(r.stderr)}`);
  }
  const kubeconfig = removeKubeconfig({ ...request.place, contextName: name, file: 'merge' });
  return { removed: existing !== null, kubeconfig };
}
