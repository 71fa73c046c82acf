/**
 * What the build needs besides the clusters: the class preset (a `ClassroomPreset` file, opened
 * or edited here, read by the back end as the command line reads it) and the login for every
 * machine, as the Hosts step asks for it. Secrets stay in this form until they are handed over.
 */
import { useState, type ChangeEvent } from 'react';
import { NumberField } from '../components/FormFields';
import { LoginFields } from '../components/LoginFields';
import type { HostSecrets } from '../store/connect-slice';
import { useAppStore } from '../store';
import { FixesPanel } from './FixesPanel';
import { PresetForm } from './PresetForm';

/** The largest preset file read (the back end refuses more, too). */
const MAX_PRESET_BYTES = 100_000;

export function BuildForm() {
  const presetText = useAppStore((s) => s.presetText);
  const setPresetText = useAppStore((s) => s.setPresetText);
  const openPreset = useAppStore((s) => s.openPreset);
  const login = useAppStore((s) => s.fleetLogin);
  const setLogin = useAppStore((s) => s.setFleetLogin);
  const acceptNew = useAppStore((s) => s.acceptNewHostKeys);
  const setAcceptNew = useAppStore((s) => s.setAcceptNewHostKeys);
  const concurrency = useAppStore((s) => s.fleetConcurrency);
  const setConcurrency = useAppStore((s) => s.setFleetConcurrency);
  const buildFleet = useAppStore((s) => s.buildFleet);
  const busy = useAppStore((s) => s.fleetBusy);
  const running = useAppStore((s) => s.fleetDashboard?.running ?? false);
  const error = useAppStore((s) => s.fleetError);
  const machines = useAppStore((s) => s.fleet.reduce((n, c) => n + c.machines.length, 0));
  const [secrets, setSecrets] = useState<HostSecrets>({});
  const [fileProblem, setFileProblem] = useState<string | null>(null);

  const openFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (file.size > MAX_PRESET_BYTES) {
      setFileProblem(`${file.name} is over ${MAX_PRESET_BYTES} bytes: is it really a preset?`);
      return;
    }
    setFileProblem(null);
    file
      .text()
      .then(openPreset, (e: unknown) =>
        setFileProblem(`Cannot read ${file.name}: ${e instanceof Error ? e.message : String(e)}`),
      );
  };

  return (
    <form
      className="fleet-build"
      aria-label="Build the clusters"
      onSubmit={(event) => {
        event.preventDefault();
        void buildFleet(secrets).then(() => setSecrets((s) => ({ remember: s.remember })));
      }}
    >
      <h2>Build every cluster</h2>
      <PresetForm />
      <label htmlFor="fleet-preset">Preset (class.yaml)</label>
      <p className="help" id="fleet-preset-help">
        The preset file itself, as the form above writes it and <code>k3s-wizard fleet --preset</code> reads
        it; edit it here for what the form does not show. Opening one fills the form and the login below from
        it; the login below is the one used, and saved in the preset.
      </p>
      <textarea
        id="fleet-preset"
        rows={10}
        spellCheck={false}
        value={presetText}
        aria-describedby="fleet-preset-help"
        onChange={(event) => setPresetText(event.target.value)}
      />
      <label htmlFor="fleet-preset-file">Open a preset file</label>
      <input id="fleet-preset-file" type="file" accept=".yaml,.yml,text/yaml" onChange={openFile} />
      {fileProblem && <p className="field-problem">{fileProblem}</p>}
      <fieldset>
        <legend>Login for every machine</legend>
        <NumberField
          id="fleet-login-port"
          label="SSH port"
          min={1}
          max={65535}
          value={login.port}
          onChange={(v) => setLogin({ ...login, port: Math.min(65535, Math.max(1, v || 22)) })}
        />
        <LoginFields
          id="fleet-login"
          login={login}
          secrets={secrets}
          problems={{}}
          onLogin={(next) => setLogin({ ...login, ...next })}
          onSecrets={setSecrets}
        />
        <label className="check">
          <input type="checkbox" checked={acceptNew} onChange={(e) => setAcceptNew(e.target.checked)} />
          Trust machines seen for the first time (a changed key is still refused)
        </label>
      </fieldset>
      <FixesPanel secrets={secrets} />
      <label htmlFor="fleet-concurrency">Machines at a time (across the fleet; empty: the preset’s)</label>
      <input
        id="fleet-concurrency"
        type="number"
        min={1}
        max={64}
        value={concurrency ?? ''}
        onChange={(e) =>
          setConcurrency(
            Number.isNaN(e.target.valueAsNumber) ? null : Math.min(64, Math.max(1, e.target.valueAsNumber)),
          )
        }
      />
      <button type="submit" className="primary" disabled={busy !== null || running || machines === 0}>
        Build all clusters
      </button>
      {busy && <p role="status">{busy}</p>}
      {error && (
        <p role="alert" className="field-problem" aria-label="Build problem">
          {error}
        </p>
      )}
    </form>
  );
}
