/**
 * Classroom: a roster pasted as CSV (address,group[,name[,role]]), a list or a range, split into
 * clusters (by its group column, or into N); machines move between clusters by drag and drop,
 * with the "Move to" choice, or from the keyboard (Alt+Left / Alt+Right on a machine). Then the
 * preset and the login, and every cluster built at once on one dashboard.
 */
import { useState, type DragEvent, type KeyboardEvent } from 'react';
import { DEFAULT_NAMING } from '../../../shared/fleet/preset';
import { nodeNameFor, type FleetCluster, type FleetMachine } from '../../../shared/fleet/assign';
import { useAppStore } from '../store';
import { BuildForm } from './BuildForm';
import { FleetDashboard } from './FleetDashboard';
import { HandoutPanel } from './HandoutPanel';
import { ResetPanel } from './ResetPanel';

const DRAG_TYPE = 'application/x-k3s-wizard-machine';

function machineName(cluster: FleetCluster, machine: FleetMachine, index: number): string {
  return machine.name ?? nodeNameFor(DEFAULT_NAMING, cluster.group, index + 1);
}

function Machine({
  cluster,
  machine,
  index,
  groups,
}: {
  cluster: FleetCluster;
  machine: FleetMachine;
  index: number;
  groups: string[];
}) {
  const moveTo = useAppStore((s) => s.moveTo);
  const moveBy = useAppStore((s) => s.moveBy);
  const name = machineName(cluster, machine, index);
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    if (!event.altKey || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
    event.preventDefault();
    moveBy(machine.address, event.key === 'ArrowLeft' ? -1 : 1);
    // Focus follows the machine to its new cluster.
    requestAnimationFrame(() =>
      document.querySelector<HTMLElement>(`[data-machine="${CSS.escape(machine.address)}"]`)?.focus(),
    );
  };
  return (
    <li
      className="fleet-machine"
      tabIndex={0}
      draggable
      data-machine={machine.address}
      aria-label={`${name} ${machine.address}${machine.role === 'server' ? ' (server)' : ''}`}
      aria-keyshortcuts="Alt+ArrowLeft Alt+ArrowRight"
      onDragStart={(event) => event.dataTransfer.setData(DRAG_TYPE, machine.address)}
      onKeyDown={onKeyDown}
    >
      <span>
        <strong>{name}</strong> {machine.address} {machine.role === 'server' ? '(server)' : '(agent)'}
      </span>
      <select
        aria-label={`Move ${name} to`}
        value={cluster.group}
        onChange={(event) => moveTo(machine.address, event.target.value)}
      >
        {groups.map((g) => (
          <option key={g} value={g}>
            cluster {g}
          </option>
        ))}
      </select>
    </li>
  );
}

function Cluster({ cluster, groups }: { cluster: FleetCluster; groups: string[] }) {
  const moveTo = useAppStore((s) => s.moveTo);
  const [over, setOver] = useState(false);
  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setOver(false);
    const address = event.dataTransfer.getData(DRAG_TYPE);
    if (address) moveTo(address, cluster.group);
  };
  return (
    <section
      className={`fleet-cluster${over ? ' drop-target' : ''}`}
      aria-label={`Cluster ${cluster.group}`}
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes(DRAG_TYPE)) {
          event.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <h3>
        Cluster {cluster.group} ({cluster.machines.length} machines)
      </h3>
      <ul aria-label={`Machines of cluster ${cluster.group}`}>
        {cluster.machines.map((m, i) => (
          <Machine key={m.address} cluster={cluster} machine={m} index={i} groups={groups} />
        ))}
      </ul>
    </section>
  );
}

export function ClassroomScreen() {
  const rosterText = useAppStore((s) => s.rosterText);
  const setRosterText = useAppStore((s) => s.setRosterText);
  const clusterCount = useAppStore((s) => s.clusterCount);
  const setClusterCount = useAppStore((s) => s.setClusterCount);
  const problems = useAppStore((s) => s.rosterProblems);
  const fleet = useAppStore((s) => s.fleet);
  const importRoster = useAppStore((s) => s.importRoster);
  const groups = fleet.map((c) => c.group);
  return (
    <div className="classroom">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          importRoster();
        }}
      >
        <label htmlFor="roster">Roster</label>
        <p className="help" id="roster-help">
          CSV lines <code>address,group[,name[,role]]</code> (a header line is optional), or machines one per
          line, or a range such as <code>192.168.1.10-39</code>. <code>.local</code> names are looked up by
          this computer.
        </p>
        <textarea
          id="roster"
          rows={8}
          value={rosterText}
          aria-describedby="roster-help"
          onChange={(event) => setRosterText(event.target.value)}
        />
        <label htmlFor="cluster-count">Clusters (when the roster has no group column)</label>
        <input
          id="cluster-count"
          type="number"
          min={1}
          max={50}
          value={clusterCount}
          onChange={(event) => setClusterCount(Math.max(1, Number(event.target.value) || 1))}
        />
        <button type="submit" className="primary">
          Import the roster
        </button>
      </form>
      {problems.length > 0 && (
        <ul role="alert" aria-label="Roster problems" className="problems">
          {problems.map((p, i) => (
            <li key={i}>
              {p.line && !p.message.startsWith('Line') ? `Line ${p.line}: ${p.message}` : p.message}
            </li>
          ))}
        </ul>
      )}
      {fleet.length > 0 && (
        <div className="fleet-clusters">
          <p className="help">
            Drag a machine to another cluster, choose where it goes, or press Alt+Left / Alt+Right on it. The
            first machine of each cluster is its server.
          </p>
          {fleet.map((c) => (
            <Cluster key={c.group} cluster={c} groups={groups} />
          ))}
        </div>
      )}
      {fleet.length > 0 && <BuildForm />}
      <FleetDashboard />
      {fleet.length > 0 && <HandoutPanel />}
      {fleet.length > 0 && <ResetPanel />}
    </div>
  );
}
