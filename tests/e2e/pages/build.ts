import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const PAGES_DIR = import.meta.dirname;

/**
 * Writes the CRM-like test pages to `outDir`, ready to serve over HTTP: the static pages
 * (each declaring its expected button count in <meta name="pc-expected-buttons">) copied,
 * and the React SPA bundled into react-spa/app.js next to its index.html. Returns `outDir`.
 */
export async function buildTestPages(outDir: string): Promise<string> {
  const spaDir = join(outDir, 'react-spa');
  await mkdir(spaDir, { recursive: true });
  // Pages, the scripts some of them share (crm-list.js, with the benchmark) and the response headers some are served with.
  const pages = (await readdir(PAGES_DIR)).filter((name) => name.endsWith('.html') || name.endsWith('.js') || name.endsWith('.headers'));
  await Promise.all([
    ...pages.map((name) => copyFile(join(PAGES_DIR, name), join(outDir, name))),
    copyFile(join(PAGES_DIR, 'react-spa', 'index.html'), join(spaDir, 'index.html')),
    build({
      entryPoints: [join(PAGES_DIR, 'react-spa', 'app.tsx')],
      outfile: join(spaDir, 'app.js'),
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      jsx: 'automatic',
      // React's production build: what CRMs ship, and no development-only warnings.
      define: { 'process.env.NODE_ENV': '"production"' },
      minify: true,
      logLevel: 'silent',
    }),
  ]);
  return outDir;
}
