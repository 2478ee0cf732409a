import { defineConfig } from 'vite';

// Served by meterhub api --web web/dist at the site root; in development
// (npm run dev) /api is proxied to a running meterhub api.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
