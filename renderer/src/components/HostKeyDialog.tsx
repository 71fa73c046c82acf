import { useEffect, useRef } from 'react';
import type { HostKeyQuestion } from '../store/connect-slice';

/**
 * First contact: "is this the machine you mean?" with its SHA256 fingerprint. A changed key
 * shows old and new and says plainly what the common harmless reason is, and the other one.
 */
export function HostKeyDialog({
  address,
  question,
  onTrust,
  onCancel,
}: {
  address: string;
  question: HostKeyQuestion;
  onTrust: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  const changed = question.kind === 'changed';
  return (
    <dialog
      ref={dialog}
      className="host-key-dialog"
      aria-labelledby="host-key-title"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="host-key-title">{changed ? `The identity of ${address} has changed` : `Trust ${address}?`}</h2>
      {changed ? (
        <>
          <p>
            The machine answered with a different host key than before. This happens when a machine is
            re-installed (for example a re-flashed Raspberry Pi). If you did not re-install it, someone may be
            between you and the machine: do not trust the new key.
          </p>
          <dl className="fingerprints">
            <dt>Known key</dt>
            {question.oldFingerprints.map((f) => (
              <dd key={f}>
                <code>{f}</code>
              </dd>
            ))}
            <dt>New {question.keyType} key</dt>
            <dd>
              <code>{question.fingerprint}</code>
            </dd>
          </dl>
        </>
      ) : (
        <>
          <p>
            This is the first connection to this machine. Check that the fingerprint matches the machine’s (on
            the machine: <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>).
          </p>
          <dl className="fingerprints">
            <dt>{question.keyType} key fingerprint</dt>
            <dd>
              <code>{question.fingerprint}</code>
            </dd>
          </dl>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className={changed ? 'danger' : 'primary'} onClick={onTrust}>
          {changed ? 'This machine was re-installed — trust the new key' : 'Trust and connect'}
        </button>
      </div>
    </dialog>
  );
}
