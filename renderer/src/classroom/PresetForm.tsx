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
import { NumberField, TextField } from '../components/FormFields';
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
      <TextField
        id="preset-name"
        label="Class name"
        value={form.name}
        onChange={(v) => change({ name: v })}
      />
      <TextField
        id="preset-version"
        label="K3s version (exact release; empty: the channel)"
        value={form.version}
        onChange={(v) => change({ version: v })}
        placeholder="v1.33.5+k3s1"
      />
      {!form.version.trim() && (
        <TextField
          id="preset-channel"
          label="K3s channel"
          value={form.channel}
          onChange={(v) => change({ channel: v })}
        />
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
          <TextField
            id="preset-script"
            label="Install script URL"
            value={form.scriptUrl}
            onChange={(v) => change({ scriptUrl: v })}
          />
          <TextField
            id="preset-github"
            label="Release mirror URL (GITHUB_URL; empty: GitHub)"
            value={form.githubUrl}
            onChange={(v) => change({ githubUrl: v })}
          />
          <TextField
            id="preset-channel-url"
            label="Channel URL (empty: update.k3s.io)"
            value={form.channelUrl}
            onChange={(v) => change({ channelUrl: v })}
          />
        </>
      ) : (
        <>
          <TextField
            id="preset-folder"
            label="Air-gap folder (full path)"
            value={form.folder}
            onChange={(v) => change({ folder: v })}
          />
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
      <TextField
        id="preset-naming"
        label="Machine names (<group>, <n>)"
        value={form.naming}
        onChange={(v) => change({ naming: v })}
      />
      <NumberField
        id="preset-wave"
        label="Pis rebooted at once"
        min={1}
        max={50}
        value={form.rebootWave}
        onChange={(v) => change({ rebootWave: num(v, form.rebootWave) })}
      />
      <NumberField
        id="preset-concurrency"
        label="Machines built at once"
        min={1}
        max={64}
        value={form.concurrency}
        onChange={(v) => change({ concurrency: num(v, form.concurrency) })}
      />
      <NumberField
        id="preset-students"
        label="Students per cluster"
        min={0}
        max={50}
        value={form.studentsPerCluster}
        onChange={(v) => change({ studentsPerCluster: num(v, form.studentsPerCluster) })}
      />
      <TextField
        id="preset-ttl"
        label="Access expires after (e.g. 45m, 2h)"
        value={form.ttl}
        onChange={(v) => change({ ttl: v })}
        narrow
      />
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
