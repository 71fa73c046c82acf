import type { ConnectivityResult } from '../../../shared/checks/connectivity';
import { DataTable } from './DataTable';

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
    <DataTable
      label={label}
      rows={results}
      rowKey={(r) => `${r.from}>${r.to}:${r.port}/${r.proto}`}
      columns={[
        { head: 'From', cell: (r) => r.from },
        { head: 'To', cell: (r) => r.to },
        { head: 'Port', cell: (r) => `${r.port}/${r.proto}` },
        { head: 'For', cell: (r) => r.purpose },
        {
          head: 'Result',
          className: (r) => CLASS[r.status],
          cell: (r) => `${WORD[r.status]}${r.detail ? ` (${r.detail})` : ''}`,
        },
      ]}
    />
  );
}
