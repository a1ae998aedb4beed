import { ulid } from 'ulid';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import type { Deps } from '../../support/deps';

/** Builders for usage tests: SQS events shaped like Lambda's, events like the agent runtime's. */
export { sqsEvent, type TestRecord } from '../../support/sqs-event';

export async function newUsageOrg(deps: Deps, currency: 'USD' | 'EUR' | 'GBP' | 'JPY' = 'USD'): Promise<string> {
  const orgId = `org_${ulid().toLowerCase()}`;
  await provisionOrg(
    deps,
    { actor: { type: 'system', id: 'test' } },
    { orgId, name: 'Usage test', defaultCurrency: currency },
  );
  return orgId;
}

export const tokens = (
  orgId: string,
  id: string,
  at: Date,
  input: number,
  output: number,
  extra: Record<string, unknown> = {},
) => ({
  id,
  org_id: orgId,
  type: 'llm_tokens',
  timestamp: at.toISOString(),
  model: 'claude-sonnet-4',
  input_tokens: input,
  output_tokens: output,
  ...extra,
});

export const tool = (orgId: string, id: string, at: Date, count = 1, extra: Record<string, unknown> = {}) => ({
  id,
  org_id: orgId,
  type: 'tool_invocation',
  timestamp: at.toISOString(),
  tool: 'web_search',
  count,
  ...extra,
});

export const run = (orgId: string, id: string, at: Date, extra: Record<string, unknown> = {}) => ({
  id,
  org_id: orgId,
  type: 'agent_run',
  timestamp: at.toISOString(),
  count: 1,
  ...extra,
});
