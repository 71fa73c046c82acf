/**
 * A table of rows, one column per field: the look of every list of flows, nodes, tokens and
 * plans. The heading of a column without words (a column of buttons) is read out, not shown.
 */
import type { ReactNode } from 'react';

export interface Column<T> {
  /** The heading; `hidden: true` keeps it for screen readers only. */
  head: string;
  hidden?: boolean;
  cell: (row: T) => ReactNode;
  /** The cell's class (a status colour). */
  className?: (row: T) => string;
}

export function DataTable<T>(props: {
  /** The table's accessible name. */
  label?: string;
  /** A caption for screen readers (where no label is given). */
  caption?: string;
  columns: readonly (Column<T> | false)[];
  rows: readonly T[];
  rowKey: (row: T) => string;
}) {
  const columns = props.columns.filter((c): c is Column<T> => c !== false);
  return (
    <table className="flows-table" aria-label={props.label}>
      {props.caption && <caption className="visually-hidden">{props.caption}</caption>}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.head} scope="col">
              {c.hidden ? <span className="visually-hidden">{c.head}</span> : c.head}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)}>
            {columns.map((c) => (
              <td key={c.head} className={c.className?.(row)}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
