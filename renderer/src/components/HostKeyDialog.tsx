import { useEffect, useRef } from 'react';
import type { HostKeyQuestion, KnownHostKey } from '../store/connect-slice';

/** "ssh-ed25519" → "ed25519", the name of the host key file that holds it on the machine. */
function keyFileName(keyType: string): string {
  if (keyType.startsWith('ecdsa-')) return 'ecdsa';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-')) return 'rsa';
  return keyType.replace(/^ssh-/, '');
}

const CHECK_ON_MACHINE = (keyType: string) =>
  `ssh-keygen -lf /etc/ssh/ssh_host_${keyFileName(keyType)}_key.pub`;

function typesOf(keys: KnownHostKey[]): string {
  return [...new Set(keys.map((k) => k.keyType).filter(Boolean))].join(', ') || 'known';
}

function title(address: string, question: HostKeyQuestion): string {
  switch (question.kind) {
    case 'unknown':
      return `Trust ${address}?`;
    case 'changed':
      return `The identity of ${address} has changed`;
    case 'type-changed':
      return `${address} offers another kind of host key`;
    case 'revoked':
      return `The host key of ${address} is revoked`;
  }
}

function KnownKeys({ keys }: { keys: KnownHostKey[] }) {
  return (
    <>
      <dt>Known key{keys.length === 1 ? '' : 's'}</dt>
      {keys.map((k) => (
        <dd key={`${k.keyType} ${k.fingerprint}`}>
          {k.keyType && <span className="key-type">{k.keyType} </span>}
          <code>{k.fingerprint}</code>
        </dd>
      ))}
    </>
  );
}

/**
 * First contact: "is this the machine you mean?" with its SHA256 fingerprint. A host with any
 * key on record is never a first contact: a changed key shows the known keys and the offered one
 * with their types and says plainly what the common harmless reason is, and the other one; a
 * key of a type never seen for the host is called out as such; a revoked key cannot be trusted.
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
  const { kind } = question;
  // Older answers carry fingerprints without types.
  const known: KnownHostKey[] = question.knownKeys.length
    ? question.knownKeys
    : question.oldFingerprints.map((fingerprint) => ({ keyType: '', fingerprint }));
  const offered = (
    <>
      <dt>Offered {question.keyType} key</dt>
      <dd>
        <code>{question.fingerprint}</code>
      </dd>
    </>
  );
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
      <h2 id="host-key-title">{title(address, question)}</h2>
      {kind === 'unknown' && (
        <>
          <p>
            This is the first connection to this machine: no key of it is on record. Check that the
            fingerprint matches the machine’s (on the machine: <kbd>{CHECK_ON_MACHINE(question.keyType)}</kbd>
            ).
          </p>
          <dl className="fingerprints">
            <dt>{question.keyType} key fingerprint</dt>
            <dd>
              <code>{question.fingerprint}</code>
            </dd>
          </dl>
        </>
      )}
      {kind === 'changed' && (
        <p>
          The machine answered with a different host key than before. This happens when a machine is
          re-installed (for example a re-flashed Raspberry Pi). If you did not re-install it, someone may be
          between you and the machine: do not trust the new key.
        </p>
      )}
      {kind === 'type-changed' && (
        <p>
          k3s-wizard knows this machine by its {typesOf(known)} key, and now it offers only a key of type{' '}
          {question.keyType}. k3s-wizard has met this machine before. A machine that suddenly shows another
          kind of key is what someone between you and the machine looks like; a re-installed machine can do it
          too. Trust it only if you re-installed the machine and the fingerprint matches the one on it (
          <kbd>{CHECK_ON_MACHINE(question.keyType)}</kbd>).
        </p>
      )}
      {(kind === 'changed' || kind === 'type-changed') && (
        <dl className="fingerprints">
          <KnownKeys keys={known} />
          {offered}
        </dl>
      )}
      {kind === 'revoked' && (
        <>
          <p>
            The key this machine offers is marked <kbd>@revoked</kbd>
            {question.source ? ` in ${question.source}` : ''}: k3s-wizard does not connect with it. Remove
            that line only if you know why the key was revoked and that it is safe again.
          </p>
          <dl className="fingerprints">{offered}</dl>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {kind === 'revoked' ? 'Close' : 'Cancel'}
        </button>
        {kind !== 'revoked' && (
          <button type="button" className={kind === 'unknown' ? 'primary' : 'danger'} onClick={onTrust}>
            {kind === 'unknown' ? 'Trust and connect' : 'This machine was re-installed — trust the new key'}
          </button>
        )}
      </div>
    </dialog>
  );
}
