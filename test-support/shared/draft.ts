/** A saved-cluster draft for tests: two hosts, one probed (pure data, no secrets). */
import { DEFAULT_CLUSTER_OPTIONS, type ClusterDraftInput } from '../../shared/draft';
import { makeFacts } from './spec';

export function makeDraft(extra: Partial<ClusterDraftInput> = {}): ClusterDraftInput {
  return {
    name: 'Home lab',
    hosts: [
      {
        id: 'pi@10.0.0.11:22',
        address: '10.0.0.11',
        port: 22,
        user: 'pi',
        auth: 'key',
        keyPath: '~/.ssh/id_ed25519',
        role: 'server',
        nodeName: 'pi1',
      },
      {
        id: 'pi@10.0.0.12:22',
        address: '10.0.0.12',
        port: 22,
        user: 'pi',
        auth: 'password',
        keyPath: '',
        role: 'agent',
        nodeName: 'pi2',
        firewall: 'leave',
      },
    ],
    cluster: { ...DEFAULT_CLUSTER_OPTIONS, disable: ['traefik'] },
    facts: { 'pi@10.0.0.11:22': makeFacts('10.0.0.11') },
    step: 'checks',
    reached: ['hosts', 'checks'],
    runId: null,
    ...extra,
  };
}
