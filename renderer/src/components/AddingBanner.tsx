import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store';
import { hostsBeingAdded } from '../store/cluster-page-slice';

/** While machines are added to an installed cluster: which ones run already, and what happens to them. */
export function AddingBanner({ step }: { step: 'hosts' | 'checks' }) {
  const adding = useAppStore((s) => (s.addingTo && s.addingTo.slug === s.savedSlug ? s.addingTo : null));
  const running = useAppStore(
    useShallow((s) => s.hosts.filter((h) => adding?.existing.includes(h.id)).map((h) => h.nodeName)),
  );
  const added = useAppStore(useShallow(hostsBeingAdded)).length;
  const name = useAppStore((s) => s.cluster.name);
  if (!adding) return null;
  return (
    <p className="panel" role="note" aria-label="Adding machines">
      Adding machines to {name}. {running.join(', ')} {running.length === 1 ? 'runs' : 'run'} already and{' '}
      {running.length === 1 ? 'stays' : 'stay'} as {running.length === 1 ? 'it is' : 'they are'}: nothing is
      reinstalled or restarted there, only{' '}
      {running.length === 1 ? 'its firewall gains' : 'their firewalls gain'} the new peers.{' '}
      {step === 'hosts'
        ? 'Add the new machines below (log in to the running ones too: their firewalls are updated).'
        : `Only the ${added} new ${added === 1 ? 'machine is' : 'machines are'} checked here.`}
    </p>
  );
}
