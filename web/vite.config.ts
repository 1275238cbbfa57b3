import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built with `--config web/vite.config.ts` from the repository root, so the root is this folder.
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // `npm run dev`-style work against a local Herald: the API stays on its own port.
    proxy: { '/api': 'http://127.0.0.1:8080', '/auth': 'http://127.0.0.1:8080' },
  },
});
