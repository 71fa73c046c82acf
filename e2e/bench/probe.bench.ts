/**
 * How long probing N lab hosts takes at a given added latency, against the ideal: one round
 * trip per host, hosts in parallel (so the slowest host's round trip plus the time the facts
 * script itself runs there). Environment: BENCH_HOSTS (default 4), BENCH_DELAYS_MS
 * (comma-separated, default "0,50"), BENCH_RUNS (warm runs per setting, default 3).
 * Root only (the lab). Prints figures; asserts nothing about durations.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lab from '../lab';
import { EventHub } from '../../electron/backend/events';
import { Logger } from '../../electron/backend/logger';
import { HostsService } from '../../electron/probe/hosts-service';
import { hostKeyBlob } from '../../test-support/ssh/lab';
import { FACTS_SCRIPT } from '../../shared/probe/script';
import { shQuote } from '../../shared/shell';

const count = Number(process.env.BENCH_HOSTS ?? 4);
const delays = (process.env.BENCH_DELAYS_MS ?? '0,50').split(',').map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 3);

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const timed = async <T>(run: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const value = await run();
  return [performance.now() - started, value];
};

interface Row {
  hosts: number;
  delayMs: number;
  connectMs: number;
  coldMs: number;
  warmMs: number;
  idealMs: number;
}

async function measure(delayMs: number): Promise<Row> {
  const specs = Array.from({ length: count }, (_, i) => ({
    name: `s4b${delayMs}x${i}`.slice(0, 12),
    delayMs,
  }));
  const hosts = await lab.up(specs);
  const service = new HostsService({
    dataDir: mkdtempSync(join(tmpdir(), 'k3sw-bench-')),
    logger: new Logger(new EventHub()),
    userKnownHostsFiles: [],
  });
  try {
    for (const h of hosts) {
      service.knownHosts.trust(h.address, h.port, await hostKeyBlob(h.name));
      service.setCredentials(h.address, h.port, { user: h.user, identityFile: h.keyPath });
    }
    const refs = hosts.map((h) => ({ host: h.address, port: h.port, user: h.user }));
    // Cold: connect and probe every host at once, as the wizard's first visit does.
    const [coldMs] = await timed(() => Promise.all(refs.map((r) => service.probe(r))));
    // Connecting alone, on fresh connections.
    for (const r of refs) service.pool.dropHost(r.host, r.port);
    const [connectMs] = await timed(() => Promise.all(refs.map((r) => service.pool.session(r))));
    const warm: number[] = [];
    const ideal: number[] = [];
    for (let i = 0; i < runs; i++) {
      warm.push((await timed(() => Promise.all(refs.map((r) => service.probe(r)))))[0]);
      // The ideal: per host one round trip (an empty command) plus the script's own run time
      // measured on the host; hosts in parallel, so the slowest host sets it.
      const perHost = await Promise.all(
        refs.map(async (r) => {
          const session = await service.pool.session(r);
          const [rttMs] = await timed(() => session.exec('true'));
          const inner = await session.exec(
            `a=$(date +%s%N); sudo -n sh -c ${shQuote(FACTS_SCRIPT)} >/dev/null 2>&1; b=$(date +%s%N); echo $(( (b - a) / 1000000 ))`,
          );
          return rttMs + Number(inner.stdout.trim());
        }),
      );
      ideal.push(Math.max(...perHost));
    }
    return { hosts: count, delayMs, connectMs, coldMs, warmMs: median(warm), idealMs: median(ideal) };
  } finally {
    service.close();
    await lab.down(specs.map((s) => s.name));
  }
}

const rows: Row[] = [];
for (const delay of delays) rows.push(await measure(delay));

const fmt = (ms: number): string => `${Math.round(ms)}`.padStart(8);
console.log(`probe: ${count} amd64 lab hosts in parallel, median of ${runs} warm runs (ms)`);
console.log('  delay  connect     cold     warm    ideal  warm/ideal');
for (const r of rows) {
  console.log(
    `${`${r.delayMs}`.padStart(7)} ${fmt(r.connectMs)} ${fmt(r.coldMs)} ${fmt(r.warmMs)} ${fmt(r.idealMs)}  ${(r.warmMs / r.idealMs).toFixed(2).padStart(10)}`,
  );
}
console.log('cold = connect + probe on new connections; warm = probe on open connections;');
console.log('ideal = slowest host of (one round trip + the facts script run time measured on the host).');
