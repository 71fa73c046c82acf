import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createAppBridge } from './bridge';
import { createAppStore, StoreContext } from './store';
import './styles.css';

const store = createAppStore(createAppBridge());
void store.getState().loadInfo();
store.getState().followLog();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
