import { publishJobMetrics } from '../../kernel/metrics';
import { sweepExports } from '../app/sweep-exports';
import { deps } from '../compose';

/** Every few minutes: exports whose enqueue was lost are enqueued again; overdue builds are marked failed. */
export async function handler(): Promise<{ enqueued: number; timedOut: number }> {
  const result = await sweepExports(deps());
  publishJobMetrics('sweepExports', { processed: result.enqueued + result.timedOut, failed: 0 });
  return result;
}
