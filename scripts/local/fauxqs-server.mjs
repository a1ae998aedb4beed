// fauxqs in its own process: `node fauxqs-server.mjs <port|0>`; prints one JSON line
// `{"port":<n>}` once it listens, then serves until SIGTERM/SIGINT or until its stdin closes (the parent
// died: see processes.ts). A plain .mjs because fauxqs is ESM-only: neither ts-jest (CommonJS) nor a
// CommonJS tsx script can `require` it, but any loader can spawn node on this file.
//
// `buildApp` rather than `startFauxqs`: startFauxqs always listens on 0.0.0.0; this binds loopback
// only. Without a `host` option fauxqs builds queue URLs from the request's Host header, so they read
// http://127.0.0.1:<port>/000000000000/<name> (clients still use an explicit endpoint, as on AWS).
// Port 0 lets the OS choose, so parallel test runs never race for a port.
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2] ?? '0');
const app = buildApp({ logger: false, defaultRegion: process.env.AWS_REGION || 'us-east-1' });

let closing = false;
async function close(code) {
  if (closing) return;
  closing = true;
  // forceCloseConnections is on in fauxqs, so pending long polls do not hold the close up.
  await app.close().catch(() => {});
  process.exit(code);
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => close(0));
process.stdin.on('end', () => close(0));
process.stdin.on('close', () => close(0));
process.stdin.on('error', () => close(0));
process.stdin.resume();

try {
  const address = await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
} catch (error) {
  process.stderr.write(`fauxqs: ${error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message}\n`);
  process.exit(1);
}
