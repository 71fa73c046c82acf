import type { ConnectivityResult } from '../../../shared/checks/connectivity';

const WORD = { open: 'passed', blocked: 'blocked', unknown: 'unknown' } as const;
const CLASS = { open: 'flow-open', blocked: 'flow-blocked', unknown: 'flow-unknown' } as const;

/** Every connection tested between the machines, one row each (Checks before, Done after the install). */
export function ConnectionsTable({
  label,
  results,
}: {
  label: string;
  results: readonly ConnectivityResult[];
}) {
  return (
    <table className="flows-table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Port</th>
          <th scope="col">For</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <tr key={`${r.from}>${r.to}:${r.port}/${r.proto}`}>
            <td>{r.from}</td>
            <td>{r.to}</td>
            <td>{`${r.port}/${r.proto}`}</td>
            <td>{r.purpose}</td>
            <td className={CLASS[r.status]}>
              {WORD[r.status]}
              {r.detail ? ` (${r.detail})` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
