import { useModal } from '../lib/use-modal';
import { useAppStore } from '../store';

export function AboutDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const info = useAppStore((s) => s.info);
  const dialog = useModal(open);
  return (
    <dialog ref={dialog} className="host-key-dialog" aria-labelledby="about-title" onClose={onClose}>
      <h2 id="about-title">k3s-wizard {info?.version}</h2>
      <p>Turns a few Linux machines into a working K3s cluster.</p>
      <p className="help">{info ? `${info.platform} · data in ${info.dataDir}` : ''}</p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
