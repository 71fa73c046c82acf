/**
 * The hosts' own need, the baseline of the benchmarks: the upstream install script (the lab
 * mirror's) run on each host directly, as root there, without SSH or the app. Also the scripts
 * the plain-ssh baselines run (`sudo` given).
 */
import * as lab from '../lab';

const m = lab.mirror();
export const benchVersion = m.versions[0] ?? 'v1.33.5+k3s1';

function installEnv(extra: Record<string, string> = {}): string {
  const env = {
    INSTALL_K3S_VERSION: benchVersion,
    GITHUB_URL: m.githubUrl,
    INSTALL_K3S_CHANNEL_URL: m.channelUrl,
    ...extra,
  };
  return Object.entries(env)
    .map(([k, v]) => {
      // Pasted unquoted into the scripts below: only what sh takes literally.
      if (!/^[\w.:/+@-]+$/.test(v)) throw new Error(`${k}: ${v} needs quoting`);
      return `${k}=${v}`;
    })
    .join(' ');
}

// Run on a host as root there (sudo '') or over ssh through sudo; the token arrives on stdin.
export const SERVER_SCRIPT = (sudo: string): string =>
  `curl -sfL ${m.installScriptUrl} | ${sudo} env ${installEnv()} sh -s - server >/dev/null || exit 1
until ${sudo} /usr/local/bin/k3s kubectl get --raw /readyz >/dev/null 2>&1; do sleep 0.1; done`;
export const AGENT_SCRIPT = (sudo: string, url: string): string =>
  `${sudo} sh -c 'read -r K3S_TOKEN; export K3S_TOKEN; curl -sfL ${m.installScriptUrl} | env ${installEnv({ K3S_URL: url })} sh -s - agent >/dev/null'`;

/** Polls the server until every node is Ready; when each was first seen Ready (the hosts share this machine's clock). */
export async function waitAllReady(
  server: string,
  nodes: string[],
  timeoutMs = 300_000,
): Promise<Map<string, number>> {
  const readyAt = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (readyAt.size < nodes.length) {
    if (Date.now() > deadline)
      throw new Error(`not Ready in time: ${nodes.filter((n) => !readyAt.has(n)).join(', ')}`);
    const r = await lab.exec(server, ['/usr/local/bin/k3s', 'kubectl', 'get', 'nodes', '-o', 'json'], {
      timeoutMs: 20_000,
    });
    const now = Date.now();
    if (r.code === 0) {
      const list = JSON.parse(r.stdout) as {
        items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
      };
      for (const item of list.items) {
        const ready = item.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
        if (ready && nodes.includes(item.metadata.name) && !readyAt.has(item.metadata.name))
          readyAt.set(item.metadata.name, now);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return readyAt;
}

async function readToken(server: string): Promise<string> {
  const r = await lab.exec(server, ['cat', '/var/lib/rancher/k3s/server/token']);
  if (r.code !== 0) throw new Error(`no token on ${server}: ${r.stderr}`);
  return r.stdout.trim();
}

async function mustLab(name: string, script: string, stdin?: string): Promise<void> {
  const r = await lab.exec(name, ['sh', '-c', script], { timeoutMs: 300_000, ...(stdin ? { stdin } : {}) });
  if (r.code !== 0) throw new Error(`${name}: exit ${r.code}: ${r.stderr.slice(-400)}`);
}

/** The hosts alone: the server's install to API ready, then every agent at once to Ready. */
export async function hostsAlone(
  hosts: readonly lab.LabHost[],
): Promise<{ server: number; slowest: number; wall: number }> {
  const [server, ...rest] = hosts as [lab.LabHost, ...lab.LabHost[]];
  const t0 = Date.now();
  await mustLab(server.name, SERVER_SCRIPT(''));
  const serverMs = Date.now() - t0;
  const token = await readToken(server.name);
  const url = `https://${server.address}:6443`;
  const starts = new Map<string, number>();
  const ready = waitAllReady(
    server.name,
    rest.map((h) => h.name),
  );
  await Promise.all(
    rest.map((h) => {
      starts.set(h.name, Date.now());
      return mustLab(h.name, AGENT_SCRIPT('', url), `${token}\n`);
    }),
  );
  const readyAt = await ready;
  const slowest = Math.max(0, ...rest.map((h) => (readyAt.get(h.name) ?? 0) - (starts.get(h.name) ?? 0)));
  return { server: serverMs, slowest, wall: Date.now() - t0 };
}
