import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = __dirname;

/** `npm run build:web` → apps/web/dist, served by the API at /. JSX through vite's own esbuild (no React plugin needed). */
export default defineConfig({
  root,
  base: '/',
  resolve: { alias: { '@fixlify/contracts': resolve(root, '../../libs/contracts/src/index.ts') } },
  esbuild: { jsx: 'automatic' },
  build: { outDir: resolve(root, 'dist'), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { port: 5173, proxy: { '/api': 'http://127.0.0.1:8080', '/docs': 'http://127.0.0.1:8080' } },
});
