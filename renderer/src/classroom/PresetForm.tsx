/**
 * The class preset as a form: K3s version or channel, disabled components, firewall policy,
 * install source, naming scheme, reboot waves, machines at a time, and what students get. It
 * reads and writes the preset file's text (the one truth, saved and shared as class.yaml and
 * read by the back end as the command line reads it); the problems `parsePreset` finds are
 * named as the teacher types. The login is the build form's (saved in the preset too).
 */
import { COMPONENTS, FIREWALL_POLICIES } from '../../../shared/spec/schema';
import { parsePreset } from '../../../shared/fleet/preset';
import { formFromText, textFromForm, type PresetForm as Form } from '../../../shared/fleet/preset-form';
import { saveTextFile } from '../lib/files';
import { useAppStore } from '../store';

const FIREWALL_LABEL: Record<(typeof FIREWALL_POLICIES)[number], string> = {
  configure: 'Open the K3s ports in the machine’s firewall',
  leave: 'Leave the firewall as it is',
  disable: 'Turn the firewall off',
};

export function PresetForm() {
  const text = useAppStore((s) => s.presetText);
  const setText = useAppStore((s) => s.setPresetText);
  const form = formFromText(text);
  const parsed = parsePreset(text);
  if (!form)
    return (
      <p role="alert" className="field-problem" aria-label="Preset problems">
        The preset text is not valid YAML ({parsed.issues[0]?.message ?? ''}): fix it below, or open a preset
        file.
      </p>
    );
  const change = (next: Partial<Form>) => setText(textFromForm({ ...form, ...next }, text));
  const num = (value: number, fallback: number) => (Number.isFinite(value) ? value : fallback);
  return (
    <fieldset className="preset-form" aria-label="Preset">
      <legend>Preset for every cluster</legend>
      <div className="field">
        <label htmlFor="preset-name">Class name</label>
        <input id="preset-name" value={form.name} onChange={(e) => change({ name: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="preset-version">K3s version (exact release; empty: the channel)</label>
        <input
          id="preset-version"
          placeholder="v1.33.5+k3s1"
          value={form.version}
          onChange={(e) => change({ version: e.target.value })}
        />
      </div>
      {!form.version.trim() && (
        <div className="field">
          <label htmlFor="preset-channel">K3s channel</label>
          <input
            id="preset-channel"
            value={form.channel}
            onChange={(e) => change({ channel: e.target.value })}
          />
        </div>
      )}
      <fieldset>
        <legend>Components left out</legend>
        {COMPONENTS.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              checked={form.disable.includes(c)}
              onChange={(e) =>
                change({
                  disable: e.target.checked ? [...form.disable, c] : form.disable.filter((d) => d !== c),
                })
              }
            />
            Disable {c}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="preset-firewall">Firewall</label>
        <select
          id="preset-firewall"
          value={form.firewall}
          onChange={(e) => change({ firewall: e.target.value as Form['firewall'] })}
        >
          {FIREWALL_POLICIES.map((p) => (
            <option key={p} value={p}>
              {FIREWALL_LABEL[p]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="preset-source">Install from</label>
        <select
          id="preset-source"
          value={form.source}
          onChange={(e) => change({ source: e.target.value as Form['source'] })}
        >
          <option value="online">The internet or a local mirror</option>
          <option value="airgap">An air-gap folder on this computer</option>
        </select>
      </div>
      {form.source === 'online' ? (
        <>
          <div className="field">
            <label htmlFor="preset-script">Install script URL</label>
            <input
              id="preset-script"
              value={form.scriptUrl}
              onChange={(e) => change({ scriptUrl: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="preset-github">Release mirror URL (GITHUB_URL; empty: GitHub)</label>
            <input
              id="preset-github"
              value={form.githubUrl}
              onChange={(e) => change({ githubUrl: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="preset-channel-url">Channel URL (empty: update.k3s.io)</label>
            <input
              id="preset-channel-url"
              value={form.channelUrl}
              onChange={(e) => change({ channelUrl: e.target.value })}
            />
          </div>
        </>
      ) : (
        <>
          <div className="field">
            <label htmlFor="preset-folder">Air-gap folder (full path)</label>
            <input
              id="preset-folder"
              value={form.folder}
              onChange={(e) => change({ folder: e.target.value })}
            />
          </div>
          <label className="check">
            <input
              type="checkbox"
              checked={form.images}
              onChange={(e) => change({ images: e.target.checked })}
            />
            Copy the image tarballs to every machine
          </label>
        </>
      )}
      <div className="field">
        <label htmlFor="preset-naming">Machine names (&lt;group&gt;, &lt;n&gt;)</label>
        <input id="preset-naming" value={form.naming} onChange={(e) => change({ naming: e.target.value })} />
      </div>
      <div className="field narrow">
        <label htmlFor="preset-wave">Pis rebooted at once</label>
        <input
          id="preset-wave"
          type="number"
          min={1}
          max={50}
          value={form.rebootWave}
          onChange={(e) => change({ rebootWave: num(e.target.valueAsNumber, form.rebootWave) })}
        />
      </div>
      <div className="field narrow">
        <label htmlFor="preset-concurrency">Machines built at once</label>
        <input
          id="preset-concurrency"
          type="number"
          min={1}
          max={64}
          value={form.concurrency}
          onChange={(e) => change({ concurrency: num(e.target.valueAsNumber, form.concurrency) })}
        />
      </div>
      <div className="field narrow">
        <label htmlFor="preset-students">Students per cluster</label>
        <input
          id="preset-students"
          type="number"
          min={0}
          max={50}
          value={form.studentsPerCluster}
          onChange={(e) =>
            change({ studentsPerCluster: num(e.target.valueAsNumber, form.studentsPerCluster) })
          }
        />
      </div>
      <div className="field narrow">
        <label htmlFor="preset-ttl">Access expires after (e.g. 45m, 2h)</label>
        <input id="preset-ttl" value={form.ttl} onChange={(e) => change({ ttl: e.target.value })} />
      </div>
      {parsed.issues.length > 0 ? (
        <ul role="alert" aria-label="Preset problems" className="problems">
          {parsed.issues.map((i, n) => (
            <li key={n}>{i.path ? `${i.path}: ${i.message}` : i.message}</li>
          ))}
        </ul>
      ) : (
        <p role="status" aria-label="Preset check" className="help">
          The preset is valid.
        </p>
      )}
      <button
        type="button"
        disabled={parsed.issues.length > 0}
        onClick={() => saveTextFile(`${form.name || 'class'}.yaml`, text, 'application/yaml')}
      >
        Save the preset file
      </button>
    </fieldset>
  );
}
