import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { createAppBridge } from './bridge';
import { createAppStore, StoreContext } from './store';
import { autosave } from './store/saved-slice';
import './styles.css';

const store = createAppStore(createAppBridge(), { storage: window.sessionStorage });
void store.getState().loadInfo();
store.getState().followLog();
store.getState().followRun();
void store.getState().catchUpRun();
store.getState().followMenu();
void store.getState().refreshSaved();
autosave(store);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
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
