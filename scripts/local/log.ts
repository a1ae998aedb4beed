/**
 * One-line JSON logs for the local runtime, shaped like the Lambdas' Powertools lines, on stderr (stdout
 * is kept for what a script prints on purpose, like the test stack's endpoint line).
 * LOCAL_LOG_LEVEL = INFO (default) | WARN | ERROR | SILENT; LOCAL_QUIET=true is the same as WARN.
 */
type Level = 'INFO' | 'WARN' | 'ERROR';
const RANK: Record<Level | 'SILENT', number> = { INFO: 0, WARN: 1, ERROR: 2, SILENT: 3 };

function threshold(): number {
  const configured = (process.env.LOCAL_LOG_LEVEL ?? '').toUpperCase();
  if (configured in RANK) return RANK[configured as Level];
  return process.env.LOCAL_QUIET === 'true' ? RANK.WARN : RANK.INFO;
}

export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < threshold()) return;
  process.stderr.write(
    `${JSON.stringify({ level, message, service: 'local-runtime', timestamp: new Date().toISOString(), ...fields })}\n`,
  );
}
