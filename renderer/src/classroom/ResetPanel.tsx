/**
 * After class: every cluster uninstalled, or only the students' namespaces deleted, in one
 * action; a confirm says first what goes, then what was left on the machines is shown.
 */
import { useEffect, useRef, useState } from 'react';
import { clusterName } from '../../../shared/fleet/assign';
import { resetWarning } from '../../../shared/fleet/handout';
import { parsePreset } from '../../../shared/fleet/preset';
import { RadioChoice } from '../components/FormFields';
import { useAppStore } from '../store';

export function ResetPanel() {
  const fleet = useAppStore((s) => s.fleet);
  const presetText = useAppStore((s) => s.presetText);
  const reset = useAppStore((s) => s.fleetReset);
  const error = useAppStore((s) => s.fleetResetError);
  const busy = useAppStore((s) => s.fleetBusy);
  const running = useAppStore((s) => s.fleetDashboard?.running ?? false);
  const resetFleet = useAppStore((s) => s.resetFleet);
  const [what, setWhat] = useState<'uninstall' | 'namespaces'>('namespaces');
  const [asking, setAsking] = useState(false);
  // The confirm takes the focus on its safe choice; closed, the focus goes back to "Reset…".
  const cancelRef = useRef<HTMLButtonElement>(null);
  const resetRef = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    if (asking) cancelRef.current?.focus();
    else if (opened.current) resetRef.current?.focus();
    opened.current = asking;
  }, [asking]);
  const parsed = parsePreset(presetText);
  const preset = parsed.preset;
  const warning = preset
    ? resetWarning(
        what,
        fleet.map((c) => ({
          cluster: clusterName(preset, c.group),
          group: c.group,
          machines: c.machines.length,
        })),
        preset,
      )
    : null;
  return (
    <section className="fleet-reset" aria-label="Reset after class">
      <h2>Reset after class</h2>
      <RadioChoice
        legend="What to reset"
        name="reset-what"
        value={what}
        onChange={setWhat}
        options={[
          { value: 'namespaces', label: 'Only the students’ namespaces (the clusters stay)' },
          { value: 'uninstall', label: 'Uninstall every cluster' },
        ]}
      />
      {!asking ? (
        <button type="button" disabled={busy !== null || running || !preset} onClick={() => setAsking(true)}>
          Reset…
        </button>
      ) : (
        <div
          role="alertdialog"
          aria-label="Confirm the reset"
          aria-describedby="reset-warning"
          className="confirm"
        >
          <p id="reset-warning">{warning}</p>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setAsking(false);
              void resetFleet(what);
            }}
          >
            {what === 'uninstall' ? 'Uninstall every cluster' : 'Delete the namespaces'}
          </button>
          <button ref={cancelRef} type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      )}
      {!preset && <p className="help">Fix the preset first: the reset reads the clusters’ names from it.</p>}
      {error && (
        <p role="alert" className="field-problem" aria-label="Reset problem">
          {error}
        </p>
      )}
      {reset && (
        <ul aria-label="What the reset left">
          {reset.results.map((r) => {
            const left = Object.entries(r.left).filter(([, l]) => l.length);
            return (
              <li key={r.cluster} aria-label={`Reset of ${r.cluster}`}>
                <strong>{r.cluster}</strong>:{' '}
                {r.outcome === 'done'
                  ? reset.what === 'uninstall'
                    ? 'uninstalled, nothing left on its machines'
                    : 'the students’ namespaces are gone'
                  : 'NOT clean'}
                {r.problem && <span className="field-problem"> ({r.problem})</span>}
                {left.map(([host, paths]) => (
                  <p key={host}>
                    {host} still has: {paths.join(', ')}
                  </p>
                ))}
                {r.namespacesLeft && r.namespacesLeft.length > 0 && (
                  <p>Namespaces still there: {r.namespacesLeft.join(', ')}</p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
