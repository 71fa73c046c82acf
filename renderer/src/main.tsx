// First: the one-time key leaves the address and the history before anything else runs.
import './bridge/launch-key';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { NoKeyPage } from './components/NoKeyPage';
import { createAppBridge } from './bridge';
import { createAppStore, StoreContext } from './store';
import { autosave } from './store/saved-slice';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const { bridge, accessProblem } = await createAppBridge();

if (bridge.state() === 'no-key') {
  // Without a session nothing can reach the back end: no wizard, only how to get a working address.
  createRoot(root).render(
    <StrictMode>
      <NoKeyPage problem={accessProblem ?? 'none'} />
    </StrictMode>,
  );
} else {
  const store = createAppStore(bridge, { storage: window.sessionStorage });
  void store.getState().loadInfo();
  store.getState().followLog();
  store.getState().followRun();
  void store.getState().catchUpRun();
  store.getState().followMenu();
  void store.getState().refreshSaved();
  autosave(store);

  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary
        what="k3s-wizard"
        reloadLabel="Reload k3s-wizard"
        onReload={() => window.location.reload()}
      >
        <StoreContext.Provider value={store}>
          <App />
        </StoreContext.Provider>
      </ErrorBoundary>
    </StrictMode>,
  );
}
