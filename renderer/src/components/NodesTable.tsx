/** The nodes as the cluster lists them: the Done step's table and the cluster page's. */
import type { ReactNode } from 'react';
import type { NodeInfo } from '../../../shared/run';

export function NodesTable<N extends NodeInfo>(props: {
  nodes: readonly N[];
  /** Words after a node's name. */
  note?: (node: N) => string;
  /** A last column (hidden heading `label`): what can be done to a node. */
  action?: { label: string; cell: (node: N) => ReactNode };
}) {
  const { nodes, note, action } = props;
  return (
    <table className="flows-table" aria-label="Nodes">
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">Role</th>
          <th scope="col">Arch</th>
          <th scope="col">Version</th>
          <th scope="col">Address</th>
          <th scope="col">State</th>
          {action && (
            <th scope="col">
              <span className="visually-hidden">{action.label}</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {nodes.map((node) => (
          <tr key={node.name}>
            <td>
              {node.name}
              {note?.(node)}
            </td>
            <td>{node.roles.length ? node.roles.join(', ') : 'agent'}</td>
            <td>{node.arch}</td>
            <td>{node.version}</td>
            <td>{node.internalIp}</td>
            <td className={node.ready ? 'flow-open' : 'flow-blocked'}>
              {node.ready ? 'Ready' : 'Not ready'}
            </td>
            {action && <td>{action.cell(node)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
