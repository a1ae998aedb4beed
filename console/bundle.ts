import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** The console's static files: index.html, app.js and app.css (with source maps) in `outDir`. */
export const CONSOLE_DIR = resolve(__dirname);
export const DIST_DIR = join(CONSOLE_DIR, 'dist');

export async function bundleConsole(outDir = DIST_DIR): Promise<{ outDir: string; bytes: number }> {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(CONSOLE_DIR, 'src/main.tsx') },
    outdir: outDir,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['es2022', 'chrome120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.css': 'css' },
    metafile: true,
    logLevel: 'warning',
    legalComments: 'linked',
  });
  copyFileSync(join(CONSOLE_DIR, 'index.html'), join(outDir, 'index.html'));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  return { outDir, bytes };
}
