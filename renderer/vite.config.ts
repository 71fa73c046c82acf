import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is served from app://k3s-wizard/ in Electron and from the browser front's
// root in `k3s-wizard serve`: relative asset URLs work in both.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  // No source map in the build: it would ship (and serve) the whole source, 2 MB, to anyone.
  build: { outDir: '../out/renderer', emptyOutDir: true, sourcemap: false, target: 'es2023' },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      // `npm run dev`: the socket goes to the back end started by scripts/dev.mjs.
      '/bridge': { target: `ws://127.0.0.1:${process.env.K3S_WIZARD_DEV_BACKEND_PORT ?? '5174'}`, ws: true },
    },
  },
});
