/** One-line JSON logs for the local runtime, like the Lambdas' Powertools lines. */
export function log(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown> = {}): void {
  if (level === 'INFO' && process.env.LOCAL_QUIET === 'true') return;
  process.stderr.write(
    `${JSON.stringify({ level, message, service: 'local-runtime', timestamp: new Date().toISOString(), ...fields })}\n`,
  );
}
