import { useId, useState } from 'react';
import type { InvokeOutput } from '../../../shared/contract';
import { parseHostList, type HostListResult } from '../../../shared/host-list';
import { errorText } from '../lib/errors';
import { useAppStore, useAppStoreApi } from '../store';
import type { AuthMethod, HostDraft } from '../store/hosts-slice';

type Imported = InvokeOutput<'hosts:importSshConfig'>[number];

/** Adds hosts and hands the shared secrets to the back end for each, then tests them. */
function useAddMany() {
  const store = useAppStoreApi();
  return async (drafts: HostDraft[], secrets: { password?: string; sudoPassword?: string }) => {
    const problems: string[] = [];
    const added: string[] = [];
    for (const draft of drafts) {
      const found = store.getState().addHost(draft);
      const first = Object.values(found)[0];
      if (first) {
        problems.push(`${draft.address}: ${first}`);
        continue;
      }
      const host = store.getState().hosts.at(-1);
      if (host) added.push(host.id);
    }
    await Promise.all(
      added.map(async (id) => {
        const host = store.getState().hosts.find((h) => h.id === id);
        if (!host) return;
        const error = await store.getState().sendCredentials(host, secrets);
        if (error) problems.push(`${host.address}: ${error}`);
        else await store.getState().testHost(id);
      }),
    );
    return { added: added.length, problems };
  };
}

export function BulkAdd() {
  const id = useId();
  const addMany = useAddMany();
  const [text, setText] = useState('');
  const [user, setUser] = useState('pi');
  const [auth, setAuth] = useState<AuthMethod>('agent');
  const [keyPath, setKeyPath] = useState('');
  const [password, setPassword] = useState('');
  const [sudoPassword, setSudoPassword] = useState('');
  const [parsed, setParsed] = useState<HostListResult | null>(null);
  const [outcome, setOutcome] = useState<string[]>([]);
  const [imported, setImported] = useState<Imported[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [importError, setImportError] = useState<string | null>(null);
  const bridgeInvoke = useAppStore((s) => s.importSshConfig);

  const secrets = () => ({ ...(password ? { password } : {}), ...(sudoPassword ? { sudoPassword } : {}) });

  const addList = async () => {
    const result = parseHostList(text);
    setParsed(result);
    if (result.hosts.length === 0) return;
    const drafts = result.hosts.map((h) => ({
      address: h.address,
      port: h.port ?? 22,
      user: h.user ?? user,
      auth,
      keyPath,
    }));
    const { added, problems } = await addMany(drafts, secrets());
    setOutcome([`Added ${added} of ${drafts.length}.`, ...problems]);
    if (added > 0 && result.problems.length === 0) setText('');
    setPassword('');
    setSudoPassword('');
  };

  const importConfig = async () => {
    setImportError(null);
    try {
      const hosts = await bridgeInvoke();
      setImported(hosts);
      setChosen(new Set(hosts.map((h) => h.alias)));
    } catch (error) {
      setImportError(errorText(error));
    }
  };

  const addImported = async () => {
    const drafts = (imported ?? [])
      .filter((h) => chosen.has(h.alias))
      .map((h) => ({
        address: h.host,
        port: h.port,
        user: h.user ?? user,
        auth: h.identityFile ? ('key' as const) : ('agent' as const),
        keyPath: h.identityFile ?? '',
      }));
    const { added, problems } = await addMany(drafts, secrets());
    setOutcome([`Added ${added} of ${drafts.length} from ~/.ssh/config.`, ...problems]);
    setImported(null);
  };

  return (
    <details className="panel bulk-add">
      <summary>Add several machines (a list, a range, or your ~/.ssh/config)</summary>
      <div className="field">
        <label htmlFor={`${id}-list`}>Machines, one per line</label>
        <textarea
          id={`${id}-list`}
          rows={4}
          value={text}
          placeholder={'192.168.1.20-29\npi@pi1.local\nroot@10.0.0.5:2222'}
          onChange={(e) => setText(e.target.value)}
        />
        <p className="help">Addresses, user@address, address:port, or a range like 192.168.1.20-29.</p>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-user`}>User when not given</label>
          <input id={`${id}-user`} value={user} onChange={(e) => setUser(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-auth`}>Log in all with</label>
          <select id={`${id}-auth`} value={auth} onChange={(e) => setAuth(e.target.value as AuthMethod)}>
            <option value="agent">SSH agent</option>
            <option value="key">Private key file</option>
            <option value="password">Password</option>
          </select>
        </div>
        {auth === 'key' && (
          <div className="field grow">
            <label htmlFor={`${id}-key`}>Key file for all</label>
            <input
              id={`${id}-key`}
              value={keyPath}
              placeholder="~/.ssh/id_ed25519"
              onChange={(e) => setKeyPath(e.target.value)}
            />
          </div>
        )}
        {auth === 'password' && (
          <div className="field">
            <label htmlFor={`${id}-password`}>Password for all</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="off"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-sudo`}>sudo password for all</label>
          <input
            id={`${id}-sudo`}
            type="password"
            autoComplete="off"
            placeholder="if sudo asks for one"
            value={sudoPassword}
            onChange={(e) => setSudoPassword(e.target.value)}
          />
        </div>
      </div>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => void addList()} disabled={!text.trim()}>
          Add these machines
        </button>
        <button type="button" onClick={() => void importConfig()}>
          Import from ~/.ssh/config
        </button>
      </div>
      {parsed && parsed.problems.length > 0 && (
        <ul className="issues">
          {parsed.problems.map((p) => (
            <li key={`${p.line}-${p.text}`} className="issue-error">
              Line {p.line} ({p.text}): {p.message}
            </li>
          ))}
        </ul>
      )}
      {importError && <p className="field-problem">{importError}</p>}
      {imported && (
        <fieldset className="imported">
          <legend>Hosts in ~/.ssh/config</legend>
          {imported.length === 0 && <p className="help">No hosts found there.</p>}
          {imported.map((h) => (
            <label key={h.alias} className="check">
              <input
                type="checkbox"
                checked={chosen.has(h.alias)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(h.alias);
                  else next.delete(h.alias);
                  setChosen(next);
                }}
              />
              {h.alias} — {h.user ?? user}@{h.host}
              {h.port === 22 ? '' : `:${h.port}`}
              {h.identityFile ? ` (key ${h.identityFile})` : ''}
              {h.proxyJump
                ? ` — note: reached through ${h.proxyJump}, which the wizard does not use yet`
                : ''}
            </label>
          ))}
          {imported.length > 0 && (
            <button
              type="button"
              className="primary"
              onClick={() => void addImported()}
              disabled={chosen.size === 0}
            >
              Add {chosen.size} selected
            </button>
          )}
        </fieldset>
      )}
      {outcome.length > 0 && (
        <ul className="help" role="status">
          {outcome.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </details>
  );
}
