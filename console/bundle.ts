import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BuildOptions, build, buildSync } from 'esbuild';

/** The console's static files: index.html, app.js and app.css (with source maps) in `outDir`. */
export const CONSOLE_DIR = resolve(__dirname);
export const DIST_DIR = join(CONSOLE_DIR, 'dist');

const options = (outDir: string): BuildOptions & { metafile: true } => ({
  entryPoints: { app: join(CONSOLE_DIR, 'src/main.tsx') },
  outdir: outDir,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2022', 'chrome120', 'firefox120', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});

export async function bundleConsole(outDir = DIST_DIR): Promise<{ outDir: string; bytes: number }> {
  mkdirSync(outDir, { recursive: true });
  const result = await build(options(outDir));
  copyFileSync(join(CONSOLE_DIR, 'index.html'), join(outDir, 'index.html'));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  return { outDir, bytes };
}

/** The same bundle, synchronously: CDK's local asset bundling (lib/console-stack.ts) cannot await. */
export function bundleConsoleSync(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  buildSync(options(outDir));
  copyFileSync(join(CONSOLE_DIR, 'index.html'), join(outDir, 'index.html'));
}
