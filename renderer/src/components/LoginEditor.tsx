import { useId, useState, type FormEvent } from 'react';
import { useAppStore, useAppStoreApi } from '../store';
import type { HostSecrets } from '../store/connect-slice';
import type { AuthMethod, HostEntry, HostProblems } from '../store/hosts-slice';
import { LoginFields, type Login } from './LoginFields';

/** Corrects how to log in to a machine on its own row, then tests the connection again. */
export function LoginEditor({
  host,
  auth,
  onClose,
}: {
  host: HostEntry;
  /** The method to start with (when chosen from a "no agent" notice). */
  auth?: AuthMethod;
  onClose: () => void;
}) {
  const id = useId();
  const store = useAppStoreApi();
  const updateLogin = useAppStore((s) => s.updateLogin);
  const sendCredentials = useAppStore((s) => s.sendCredentials);
  const testHost = useAppStore((s) => s.testHost);
  const [login, setLogin] = useState<Login>({
    user: host.user,
    auth: auth ?? host.auth,
    keyPath: host.keyPath,
  });
  const [port, setPort] = useState(host.port);
  const [secrets, setSecrets] = useState<HostSecrets>({});
  const [problems, setProblems] = useState<HostProblems>({});
  const [sendError, setSendError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (login.auth === 'password' && !secrets.password) {
      setProblems({ auth: 'Enter the password to log in with.' });
      return;
    }
    const found = updateLogin(host.id, { ...login, port });
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const updated = store.getState().hosts.find((h) => h.id === host.id);
    if (!updated) return;
    const given = secrets;
    setSecrets({});
    void sendCredentials(updated, given).then((error) => {
      setSendError(error);
      if (error) return;
      onClose();
      void testHost(host.id);
    });
  };

  return (
    <form
      className="host-form login-editor"
      aria-label={`Login for ${host.address}`}
      onSubmit={submit}
      noValidate
    >
      <div className="field narrow">
        <label htmlFor={`${id}-port`}>SSH port</label>
        <input
          id={`${id}-port`}
          type="number"
          min={1}
          max={65535}
          aria-invalid={problems.port ? true : undefined}
          value={Number.isNaN(port) ? '' : port}
          onChange={(e) => setPort(e.target.valueAsNumber)}
        />
        {problems.port && <p className="field-problem">{problems.port}</p>}
        {problems.address && <p className="field-problem">{problems.address}</p>}
      </div>
      <LoginFields
        id={id}
        login={login}
        secrets={secrets}
        problems={problems}
        onLogin={setLogin}
        onSecrets={setSecrets}
      />
      <button type="submit" className="primary">
        Save and test again
      </button>
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      {sendError && <p className="field-problem">{sendError}</p>}
    </form>
  );
}
