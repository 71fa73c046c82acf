/** The nodes as the cluster lists them: the Done step's table and the cluster page's. */
import type { ReactNode } from 'react';
import type { NodeInfo } from '../../../shared/run';
import { DataTable } from './DataTable';

export function NodesTable<N extends NodeInfo>(props: {
  nodes: readonly N[];
  /** Words after a node's name. */
  note?: (node: N) => string;
  /** A last column (hidden heading `label`): what can be done to a node. */
  action?: { label: string; cell: (node: N) => ReactNode };
}) {
  const { nodes, note, action } = props;
  return (
    <DataTable
      label="Nodes"
      rows={nodes}
      rowKey={(node) => node.name}
      columns={[
        { head: 'Node', cell: (node) => `${node.name}${note?.(node) ?? ''}` },
        { head: 'Role', cell: (node) => (node.roles.length ? node.roles.join(', ') : 'agent') },
        { head: 'Arch', cell: (node) => node.arch },
        { head: 'Version', cell: (node) => node.version },
        { head: 'Address', cell: (node) => node.internalIp },
        {
          head: 'State',
          className: (node) => (node.ready ? 'flow-open' : 'flow-blocked'),
          cell: (node) => (node.ready ? 'Ready' : 'Not ready'),
        },
        action !== undefined && { head: action.label, hidden: true, cell: action.cell },
      ]}
    />
  );
}
