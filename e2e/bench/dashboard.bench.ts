/**
 * The Classroom build's dashboard with 30 and 100 machines (clusters of 3), in headless Chromium
 * against `k3s-wizard serve`: the page's socket goes to the real back end, except that the fleet
 * channels are answered from a recorded build (every machine working, then ready, one event each),
 * so no machine is needed. Figures: time to show the dashboard, and to replay every event until
 * it says all clusters are ready (with how many dashboards the page asked for on the way), and
 * the mean time of one update when each event is waited for until its machine shows it.
 * Needs `npm run build` first. Environment: BENCH_MACHINES (default "30,100"),
 * K3S_WIZARD_CHROMIUM (default /usr/bin/chromium). Prints figures; asserts nothing.
 */
import { startServe } from '../serve';
import { chromium, type Page, type WebSocketRoute } from 'playwright-core';
import type { CellState } from '../../shared/fleet/dashboard';
import type { FleetDashboard } from '../../shared/fleet/schema';

const sizes = (process.env.BENCH_MACHINES ?? '30,100').split(',').map(Number);

/** The browser front with its own data folder and kubeconfig (the e2e tests' start-up). */
async function serve(): Promise<{ url: string; stop: () => void }> {
  const app = await startServe();
  return { url: app.url, stop: () => app.process.kill('SIGINT') };
}

/** The recorded build: machine i is working after event 2i and ready after event 2i+1. */
function recorded(machines: number) {
  const names = Array.from({ length: machines }, (_, i) => `pi-${Math.floor(i / 3)}-${(i % 3) + 1}`);
  const clusters = [...new Set(names.map((n) => n.split('-')[1]!))];
  const at = (events: number): FleetDashboard => {
    const state = (i: number): CellState =>
      events > 2 * i + 1 ? 'done' : events > 2 * i ? 'running' : 'pending';
    const rows = clusters.map((c) => {
      const cells = names
        .map((host, i) => ({ host, i }))
        .filter(({ host }) => host.split('-')[1] === c)
        .map(({ host, i }) => ({ host, state: state(i) }));
      const rowState: CellState = cells.every((m) => m.state === 'done')
        ? 'done'
        : cells.some((m) => m.state !== 'pending')
          ? 'running'
          : 'pending';
      return { cluster: `class-${c}`, state: rowState, machines: cells };
    });
    return {
      name: 'class',
      concurrency: 8,
      running: events < 2 * machines,
      rows,
      runs: Object.fromEntries(clusters.map((c) => [`class-${c}`, `run-${c}`])),
      nodes: Object.fromEntries(
        names.map((n, i) => [
          n,
          {
            address: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`,
            role: n.endsWith('-1') ? 'server' : 'agent',
          },
        ]),
      ),
    };
  };
  return { names, clusters, at, events: 2 * machines };
}

async function measure(page: Page, url: string, machines: number) {
  const build = recorded(machines);
  let sent = 0;
  let asked = 0;
  let client: WebSocketRoute | null = null;
  await page.routeWebSocket(/\/bridge$/, (ws) => {
    client = ws;
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const call = JSON.parse(String(message)) as { id: number; channel: string };
      if (call.channel !== 'fleet:dashboard') return server.send(message);
      asked++;
      ws.send(
        JSON.stringify({ type: 'result', id: call.id, response: { ok: true, result: build.at(sent) } }),
      );
    });
    server.onMessage((message) => ws.send(message));
  });
  await page.goto(url);
  const start = performance.now();
  await page.getByRole('button', { name: 'Classroom', exact: true }).click();
  await page.getByRole('listitem', { name: `${build.names.at(-1)}: Waiting` }).waitFor();
  const show = performance.now() - start;

  const send = (i: number, cluster: string) =>
    client?.send(
      JSON.stringify({
        type: 'event',
        channel: 'run:event',
        payload: {
          runId: `run-${cluster}`,
          seq: i,
          time: new Date().toISOString(),
          type: i % 2 ? 'step-finished' : 'step-started',
        },
      }),
    );
  asked = 0;
  const replayStart = performance.now();
  for (let i = 0; i < build.events; i++) {
    sent = i + 1;
    const cluster = build.clusters[Math.floor(i / 2 / 3)]!;
    send(i, cluster);
  }
  await page
    .getByRole('status', { name: 'Classroom build' })
    .filter({ hasText: `All ${build.clusters.length} clusters are ready (${machines} machines).` })
    .waitFor({ timeout: 120_000 });
  const replay = performance.now() - replayStart;
  const burstAsked = asked;

  // Paced: each event waited for until its machine shows its new state (an upper bound of one
  // update's time: it includes Playwright's own round trip).
  sent = 0;
  await page.getByRole('button', { name: 'Classroom', exact: true }).click();
  await page.getByRole('button', { name: 'Classroom', exact: true }).click();
  await page.getByRole('listitem', { name: `${build.names.at(-1)}: Waiting` }).waitFor();
  const pacedStart = performance.now();
  for (let i = 0; i < build.events; i++) {
    sent = i + 1;
    const cluster = build.clusters[Math.floor(i / 2 / 3)]!;
    send(i, cluster);
    const name = build.names[Math.floor(i / 2)]!;
    await page.getByRole('listitem', { name: `${name}: ${i % 2 ? 'Ready' : 'Working'}` }).waitFor();
  }
  const paced = (performance.now() - pacedStart) / build.events;
  return { machines, show, replay, events: build.events, asked: burstAsked, paced };
}

const browser = await chromium.launch({
  executablePath: process.env.K3S_WIZARD_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
try {
  console.log('machines   show dashboard   burst of events (count)   dashboards asked   paced: per event');
  for (const machines of sizes) {
    const app = await serve();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      const row = await measure(page, app.url, machines);
      console.log(
        `${String(machines).padStart(8)}   ${ms(row.show)}        ${ms(row.replay)} (${String(row.events).padStart(4)})        ${String(row.asked).padStart(6)}        ${ms(row.paced)}`,
      );
    } finally {
      await page.close();
      app.stop();
    }
  }
} finally {
  await browser.close();
}
