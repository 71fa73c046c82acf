import { useCallback } from 'react';
import { useModal } from '../lib/use-modal';
import { useAppStore } from '../store';

/** The saved clusters (drafts and installed ones), to open, delete, or start a new one. */
export function SavedClusters({ open, onClose }: { open: boolean; onClose: () => void }) {
  const saved = useAppStore((s) => s.savedClusters);
  const current = useAppStore((s) => s.savedSlug);
  const refresh = useAppStore((s) => s.refreshSaved);
  const refreshSaved = useCallback(() => void refresh(), [refresh]);
  const openSaved = useAppStore((s) => s.openSaved);
  const openClusterPage = useAppStore((s) => s.openClusterPage);
  const deleteSaved = useAppStore((s) => s.deleteSaved);
  const newCluster = useAppStore((s) => s.newCluster);
  const closeClusterPage = useAppStore((s) => s.closeClusterPage);
  const dialog = useModal(open, refreshSaved);

  return (
    <dialog
      ref={dialog}
      className="host-key-dialog saved-dialog"
      aria-labelledby="saved-title"
      onClose={onClose}
    >
      <h2 id="saved-title">Saved clusters</h2>
      <p className="help">Your work is saved as you go (passwords never are).</p>
      {saved.length === 0 ? (
        <p>No saved clusters yet.</p>
      ) : (
        <ul className="saved-list">
          {saved.map((c) => (
            <li key={c.slug}>
              <span>
                <strong>{c.name}</strong> · {c.hosts} {c.hosts === 1 ? 'machine' : 'machines'}
                {c.installed ? ' · installed' : ''} ·{' '}
                <time dateTime={c.savedAt}>{new Date(c.savedAt).toLocaleString()}</time>
                {c.slug === current ? ' · open now' : ''}
              </span>
              <button
                type="button"
                onClick={() => {
                  closeClusterPage();
                  void openSaved(c.slug);
                  onClose();
                }}
              >
                Open <span className="visually-hidden">{c.name}</span>
              </button>
              {c.installed && (
                <button
                  type="button"
                  onClick={() => {
                    void openClusterPage(c.slug);
                    onClose();
                  }}
                >
                  Cluster page <span className="visually-hidden">of {c.name}</span>
                </button>
              )}
              <button type="button" className="link" onClick={() => void deleteSaved(c.slug)}>
                Delete <span className="visually-hidden">{c.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="dialog-actions">
        <button
          type="button"
          onClick={() => {
            closeClusterPage();
            newCluster();
            onClose();
          }}
        >
          New cluster
        </button>
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
