import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { bundleConsole, DIST_DIR } from '../../console/bundle';
import { publishableKeyFor } from '../stripe-sandbox/publishable';

/**
 * The billing console in the local runtime: bundled at start (esbuild, well under a second), served
 * by the local gateway at /console next to the API (same origin, so no CORS), with a `config.json`
 * that points it at this API and, with the Stripe sandbox, at the sandbox for the test-card picker.
 * On AWS the same files are a static site (lib/console-stack.ts).
 */
export const CONSOLE_PATH = '/console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface LocalConsoleOptions {
  /** The environment the runtime gives the handlers (STRIPE_API_URL names the sandbox). */
  stripeEnv: { STRIPE_API_URL?: string };
  /** The sandbox's pinned secret key; its publishable twin goes to the browser. */
  sandboxApiKey: string;
  /** Bundle into this folder (tests use a temporary one); default console/dist. */
  outDir?: string;
}

export interface LocalConsole {
  serve(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** A link that signs the console in with this token: the token rides in the fragment, never in a request. */
  link(apiUrl: string, token: string): string;
}

export async function prepareConsole(options: LocalConsoleOptions): Promise<LocalConsole> {
  const outDir = options.outDir ?? DIST_DIR;
  await bundleConsole(outDir);
  const sandboxUrl = options.stripeEnv.STRIPE_API_URL;
  const publishableKey = sandboxUrl
    ? publishableKeyFor(options.sandboxApiKey)
    : process.env.STRIPE_PUBLISHABLE_KEY || undefined;
  const config = {
    apiUrl: '',
    auth: { mode: 'token' },
    ...(publishableKey ? { stripe: { publishableKey, ...(sandboxUrl ? { sandboxUrl } : {}) } } : {}),
  };
  const configBody = JSON.stringify(config);

  return {
    serve(req, res, url) {
      if (url.pathname !== CONSOLE_PATH && !url.pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      if (url.pathname === CONSOLE_PATH) {
        res.writeHead(301, { location: `${CONSOLE_PATH}/` }).end();
        return true;
      }
      const relative = decodeURIComponent(url.pathname.slice(CONSOLE_PATH.length + 1)) || 'index.html';
      if (relative === 'config.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(configBody);
        return true;
      }
      const file = normalize(join(outDir, relative));
      if (!file.startsWith(outDir + sep) || !existsSync(file)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return true;
      }
      const body = readFileSync(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
    link: (apiUrl, token) => `${apiUrl}${CONSOLE_PATH}/#token=${token}`,
  };
}
