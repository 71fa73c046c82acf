import { useState, type ReactNode } from 'react';
import type { Check } from '../../../shared/checks';
import type { ConnectivityResult } from '../../../shared/checks/connectivity';

const MARK: Record<Check['status'] | 'none', string> = { pass: '✓', warn: '!', fail: '✗', none: '·' };
const WORD: Record<Check['status'] | 'none', string> = {
  pass: 'OK',
  warn: 'Warning',
  fail: 'Problem',
  none: 'not checked',
};

export interface MatrixHost {
  /** The node name, as the checks name it. */
  name: string;
  probed: boolean;
}

/**
 * Every machine × every check, one colored cell per result; a click shows why and the fix.
 * With "only problems", rows and columns that are all OK are left out.
 */
export function ChecksMatrix({
  hosts,
  checks,
  onlyProblems,
  detail,
}: {
  hosts: readonly MatrixHost[];
  checks: readonly Check[];
  onlyProblems: boolean;
  detail: (check: Check) => ReactNode;
}) {
  const [chosen, setChosen] = useState<{ host: string; id: string } | null>(null);
  const byCell = new Map<string, Check>();
  const columns = new Map<string, string>();
  for (const check of checks) {
    if (check.hostId === null) continue;
    byCell.set(`${check.hostId}|${check.id}`, check);
    if (!columns.has(check.id)) columns.set(check.id, check.title);
  }
  const bad = (check: Check | undefined) => check !== undefined && check.status !== 'pass';
  const rows = hosts.filter(
    (h) => !onlyProblems || !h.probed || [...columns.keys()].some((id) => bad(byCell.get(`${h.name}|${id}`))),
  );
  const shown = [...columns].filter(
    ([id]) => !onlyProblems || rows.some((h) => bad(byCell.get(`${h.name}|${id}`))),
  );
  const selected = chosen ? byCell.get(`${chosen.host}|${chosen.id}`) : undefined;

  return (
    <section className="panel" aria-labelledby="checks-matrix-title">
      <h2 id="checks-matrix-title">Every machine at a glance</h2>
      {rows.length === 0 ? (
        <p className="conn-ok">No problems on any machine.</p>
      ) : (
        <div className="matrix-scroll">
          <table className="matrix" aria-label="Checks by machine">
            <thead>
              <tr>
                <th scope="col">Machine</th>
                {shown.map(([id, title]) => (
                  <th scope="col" key={id}>
                    <span className="matrix-head">{title}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((host) => (
                <tr key={host.name}>
                  <th scope="row">{host.name}</th>
                  {shown.map(([id, title]) => {
                    const check = byCell.get(`${host.name}|${id}`);
                    const status = check?.status ?? 'none';
                    return (
                      <td key={id} className={`cell cell-${status}`}>
                        {check ? (
                          <button
                            type="button"
                            aria-label={`${host.name}: ${title}: ${WORD[status]}`}
                            aria-pressed={chosen?.host === host.name && chosen.id === id}
                            onClick={() => setChosen({ host: host.name, id })}
                          >
                            {MARK[status]}
                          </button>
                        ) : (
                          <span aria-label={`${host.name}: ${title}: ${WORD.none}`}>{MARK.none}</span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <div
          className="matrix-detail"
          role="region"
          aria-label={`${selected.hostId ?? ''}: ${selected.title}`}
        >
          {detail(selected)}
        </div>
      )}
    </section>
  );
}

const FLOW_MARK: Record<ConnectivityResult['status'], string> = { open: '✓', blocked: '✗', unknown: '?' };

/** The connection test as a matrix: from × to, the ports of each pair, filtered by port. */
export function ConnectionMatrix({
  results,
  onlyProblems,
}: {
  results: readonly ConnectivityResult[];
  onlyProblems: boolean;
}) {
  const [port, setPort] = useState('all');
  const ports = [...new Set(results.map((r) => `${r.port}/${r.proto}`))];
  const wanted = results.filter((r) => port === 'all' || `${r.port}/${r.proto}` === port);
  const problem = (r: ConnectivityResult) => r.status !== 'open';
  const froms = [...new Set(wanted.map((r) => r.from))].filter(
    (f) => !onlyProblems || wanted.some((r) => r.from === f && problem(r)),
  );
  const tos = [...new Set(wanted.map((r) => r.to))].filter(
    (t) => !onlyProblems || wanted.some((r) => r.to === t && problem(r)),
  );
  const pair = new Map<string, ConnectivityResult[]>();
  for (const r of wanted) pair.set(`${r.from}|${r.to}`, [...(pair.get(`${r.from}|${r.to}`) ?? []), r]);
  const blocked = wanted.filter(problem).length;

  return (
    <section className="panel" aria-labelledby="connection-matrix-title">
      <h2 id="connection-matrix-title">Connections between the machines</h2>
      <div className="toolbar">
        <label>
          Port{' '}
          <select value={port} onChange={(e) => setPort(e.target.value)}>
            <option value="all">every port</option>
            {ports.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <p className="help" role="status">
          {blocked === 0
            ? `All ${wanted.length} connections tested are open.`
            : `${blocked} of ${wanted.length} connections are blocked or could not be tested.`}
        </p>
      </div>
      {froms.length > 0 && (
        <div className="matrix-scroll">
          <table className="matrix" aria-label="Connections from machine to machine">
            <thead>
              <tr>
                <th scope="col">From ↓ To →</th>
                {tos.map((to) => (
                  <th scope="col" key={to}>
                    <span className="matrix-head">{to}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {froms.map((from) => (
                <tr key={from}>
                  <th scope="row">{from}</th>
                  {tos.map((to) => {
                    const cell = (pair.get(`${from}|${to}`) ?? []).filter((r) => !onlyProblems || problem(r));
                    const worst = cell.some((r) => r.status === 'blocked')
                      ? 'fail'
                      : cell.some((r) => r.status === 'unknown')
                        ? 'warn'
                        : cell.length
                          ? 'pass'
                          : 'none';
                    return (
                      <td key={to} className={`cell cell-${worst}`}>
                        {cell.map((r) => (
                          <span
                            key={`${r.port}/${r.proto}`}
                            className={`port port-${r.status}`}
                            title={`${r.purpose}: ${r.status}${r.detail ? ` (${r.detail})` : ''}`}
                          >
                            {r.port}/{r.proto} {FLOW_MARK[r.status]}
                            <span className="visually-hidden"> {r.status}</span>
                          </span>
                        ))}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
