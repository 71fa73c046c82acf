/**
 * The fleet fixes before the build: "what will change" first (cloned host names renamed by the
 * naming scheme, shared machine IDs made new, the memory cgroup turned on on each Pi, who reboots
 * in which wave), then one action that fixes them all and checks every machine again.
 */
import type { FleetFixesResult } from '../../../shared/fleet/schema';
import type { HostSecrets } from '../store/connect-slice';
import { useAppStore } from '../store';

function Changes({ label, changes }: { label: string; changes: FleetFixesResult['changes'] }) {
  return (
    <ul aria-label={label}>
      {changes.map((c) => (
        <li key={c.host}>
          <strong>{c.host}</strong> ({c.address}): {c.changes.join(', ')}
          {c.wave ? ` [reboot wave ${c.wave}]` : ''}
        </li>
      ))}
    </ul>
  );
}

export function FixesPanel({ secrets }: { secrets: HostSecrets }) {
  const fixes = useAppStore((s) => s.fleetFixes);
  const error = useAppStore((s) => s.fleetFixesError);
  const busy = useAppStore((s) => s.fleetBusy);
  const running = useAppStore((s) => s.fleetDashboard?.running ?? false);
  const fixFleet = useAppStore((s) => s.fixFleet);
  const progress = useAppStore((s) => s.fleetFixProgress);
  const problems = fixes ? Object.entries(fixes.problems) : [];
  const reboots = fixes?.changes.filter((c) => c.reboots).length ?? 0;
  const waves = Math.max(0, ...(fixes?.changes.map((c) => c.wave ?? 0) ?? [0]));
  return (
    <section className="fleet-fixes" aria-label="Fleet fixes">
      <h3>Fix the machines first</h3>
      <p className="help">
        Cards cloned from one image share a host name and a machine ID, and a Pi needs its memory cgroup on:
        see what will change on each machine, then fix them all (the Pis reboot in waves).
      </p>
      <button type="button" disabled={busy !== null || running} onClick={() => void fixFleet(secrets, false)}>
        Check what the fixes will change
      </button>
      {progress && (
        <p role="status" aria-label="Fixes progress">
          Fixing: {progress.ended.length} of {progress.total} machines done
          {progress.ended.length ? ` (${progress.ended.join(', ')})` : ''}; the Pis reboot in waves.
        </p>
      )}
      {error && (
        <p role="alert" className="field-problem" aria-label="Fixes problem">
          {error}
        </p>
      )}
      {fixes && (
        <div role="region" aria-label="What the fixes change">
          {problems.length > 0 && (
            <ul role="alert" aria-label="Machines not checked" className="problems">
              {problems.map(([host, why]) => (
                <li key={host}>
                  {host}: {why}
                </li>
              ))}
            </ul>
          )}
          {fixes.status === 'planned' &&
            (fixes.changes.length ? (
              <>
                <p role="status" aria-label="Fixes status">
                  {fixes.changes.length} machines will change ({reboots} reboot, in {waves}{' '}
                  {waves === 1 ? 'wave' : 'waves'}):
                </p>
                <Changes label="Changes" changes={fixes.changes} />
                <button
                  type="button"
                  className="primary"
                  disabled={busy !== null || running || problems.length > 0}
                  onClick={() => void fixFleet(secrets, true)}
                >
                  Fix {fixes.changes.length} machines
                </button>
              </>
            ) : (
              <p role="status" aria-label="Fixes status">
                Nothing to fix: every machine has its own name and ID, and the memory cgroup.
              </p>
            ))}
          {fixes.status === 'fixed' && (
            <>
              <p role="status" aria-label="Fixes status">
                Fixed {fixes.changes.length} machines and checked them again: every machine has its own name
                and ID, and the memory cgroup.
              </p>
              <Changes label="Changes made" changes={fixes.changes} />
            </>
          )}
          {fixes.status === 'failed' && (
            <>
              <p role="alert" aria-label="Fixes status" className="field-problem">
                The fixes did not finish; fix what they say and run them again (finished fixes are skipped).
              </p>
              {fixes.failed.length > 0 && (
                <ul aria-label="Fixes that failed">
                  {fixes.failed.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              )}
              {fixes.remaining.length > 0 && <Changes label="Still to fix" changes={fixes.remaining} />}
            </>
          )}
          {fixes.unfixed.length > 0 && (
            <ul aria-label="Not fixed here" className="help">
              {fixes.unfixed.map((u) => (
                <li key={u}>Not fixed here: {u}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
