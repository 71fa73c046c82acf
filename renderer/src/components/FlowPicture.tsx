import type { Flow, FlowStatus } from '../../../shared/firewall';
import { worstStatus } from '../../../shared/firewall';
import type { ClusterSpec } from '../../../shared/spec';

export const STATUS_TEXT: Record<FlowStatus, string> = {
  open: 'open',
  'to-open': 'will be opened',
  blocked: 'blocked',
  unknown: 'unknown (not probed)',
};

const BOX_W = 150;
const BOX_H = 46;
const GAP = 70;

interface Box {
  name: string;
  x: number;
  y: number;
  label: string;
}

/**
 * The cluster as boxes with an arrow per flow that must pass (grouped per pair of machines),
 * each styled by its status. The table beside it carries the same facts for screen readers.
 */
export function FlowPicture({ spec, flows }: { spec: ClusterSpec; flows: Flow[] }) {
  const servers = spec.nodes.filter((n) => n.role === 'server');
  const agents = spec.nodes.filter((n) => n.role === 'agent');
  const columns = Math.max(servers.length, agents.length, 1);
  const width = Math.max(columns * (BOX_W + GAP) + GAP, 2 * (BOX_W + GAP) + GAP);
  const row = (list: typeof servers, y: number): Box[] =>
    list.map((node, i) => {
      const offset = (width - list.length * (BOX_W + GAP) + GAP) / 2;
      return {
        name: node.nodeName,
        x: offset + i * (BOX_W + GAP),
        y,
        label: `${node.nodeName} (${node.role})`,
      };
    });
  const you: Box = { name: 'you', x: (width - BOX_W) / 2, y: 10, label: 'Your computer' };
  const boxes = [you, ...row(servers, 120), ...row(agents, 250)];
  const at = new Map(boxes.map((b) => [b.name, b]));
  const height = agents.length ? 310 : 180;

  // One arrow per ordered kind: API (to servers), etcd (server pairs), node ↔ node (pods + kubelet).
  const arrows: { key: string; from: Box; to: Box; status: FlowStatus; label: string; bend: number }[] = [];
  // Grouped in one pass: with many machines there are tens of thousands of flows.
  const kindOf = (f: Flow) => (f.rule.id === 'api' ? 'api' : f.rule.id === 'etcd' ? 'etcd' : 'mesh');
  const keyOf = (f: Flow) => {
    const kind = kindOf(f);
    return `${kind}:${kind === 'api' ? `${f.from}>${f.to}` : [f.from, f.to].sort().join('~')}`;
  };
  const groups = new Map<string, Flow[]>();
  for (const flow of flows) {
    if (!at.has(flow.from) || !at.has(flow.to)) continue;
    const key = keyOf(flow);
    const group = groups.get(key);
    if (group) group.push(flow);
    else groups.set(key, [flow]);
  }
  for (const [key, group] of groups) {
    const flow = group[0]!;
    const kind = kindOf(flow);
    const label = kind === 'api' ? `API ${flow.rule.from}` : kind === 'etcd' ? 'etcd' : 'pods, kubelet';
    arrows.push({
      key,
      from: at.get(flow.from)!,
      to: at.get(flow.to)!,
      status: worstStatus(group.map((f) => f.status)),
      label,
      bend: kind === 'mesh' ? 0 : kind === 'etcd' ? -40 : 0,
    });
  }

  const centre = (b: Box) => ({ x: b.x + BOX_W / 2, y: b.y + BOX_H / 2 });
  // Where a line from the box's centre towards (tx, ty) leaves the box, plus a little air.
  const edge = (b: Box, tx: number, ty: number) => {
    const c = centre(b);
    const dx = tx - c.x;
    const dy = ty - c.y;
    const t = Math.min(
      dx ? (BOX_W / 2 + 4) / Math.abs(dx) : Infinity,
      dy ? (BOX_H / 2 + 4) / Math.abs(dy) : Infinity,
    );
    return { x: c.x + dx * Math.min(t, 1), y: c.y + dy * Math.min(t, 1) };
  };
  return (
    <svg
      className="flow-picture"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-labelledby="flow-picture-title"
    >
      <title id="flow-picture-title">
        {`The connections the cluster needs: ${arrows.filter((a) => a.status === 'blocked').length} blocked, ${arrows.filter((a) => a.status === 'to-open').length} to be opened.`}
      </title>
      <defs>
        {(['open', 'to-open', 'blocked', 'unknown'] as const).map((s) => (
          <marker
            key={s}
            id={`arrow-${s}`}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" className={`flow-head flow-${s}`} />
          </marker>
        ))}
      </defs>
      {arrows.map(({ key, from, to, status, label, bend }) => {
        const ca = centre(from);
        const cb = centre(to);
        const mx = (ca.x + cb.x) / 2 + bend;
        const my = (ca.y + cb.y) / 2 + (bend ? -Math.abs(bend) / 2 : 0);
        const a = edge(from, mx, my);
        const b = edge(to, mx, my);
        const twoWay = !key.startsWith('api:');
        return (
          <g key={key} className={`flow flow-${status}`}>
            <path
              d={`M${a.x},${a.y} Q${mx},${my} ${b.x},${b.y}`}
              markerEnd={`url(#arrow-${status})`}
              markerStart={twoWay ? `url(#arrow-${status})` : undefined}
            />
            <title>{`${label}: ${STATUS_TEXT[status]}`}</title>
            <text x={(a.x + b.x) / 2 + bend / 2} y={(a.y + b.y) / 2 - 4} textAnchor="middle">
              {label}
            </text>
          </g>
        );
      })}
      {boxes.map((b) => (
        <g key={b.name} className={`flow-box ${b.name === 'you' ? 'you' : ''}`}>
          <rect x={b.x} y={b.y} width={BOX_W} height={BOX_H} rx={8} />
          <text x={b.x + BOX_W / 2} y={b.y + BOX_H / 2 + 5} textAnchor="middle">
            {b.label}
          </text>
        </g>
      ))}
    </svg>
  );
}
