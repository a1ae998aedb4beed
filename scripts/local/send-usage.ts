import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ulid } from 'ulid';
import { publishUsage } from '../../functions/usage/client/usage-publisher';
import type { UsageEventWire } from '../../functions/usage/event-contract';
import { localSqsClient } from './sqs';

/**
 * `npx tsx scripts/local/send-usage.ts --org org_demo --count 100`: sends realistic usage events (the
 * contract in design.md §6: llm_tokens, tool_invocation, agent_run; ids derived from run + step) to the
 * local usage queue through the same publisher the agent runtime uses. Endpoints come from
 * <data-dir>/local-endpoints.json, written by `npm start`, unless --sqs-endpoint/--queue-url are given.
 * Re-sending with the same --run reproduces the same event ids: the consumer counts them once.
 */
const { values } = parseArgs({
  options: {
    org: { type: 'string', default: 'org_demo' },
    count: { type: 'string', default: '100' },
    run: { type: 'string' },
    'data-dir': { type: 'string', default: join(resolve(__dirname, '../..'), '.data') },
    'sqs-endpoint': { type: 'string' },
    'queue-url': { type: 'string' },
  },
});

const MODELS = ['claude-sonnet-4', 'claude-haiku-4', 'claude-opus-4'];
const TOOLS = ['web_search', 'code_exec', 'sql_query'];

function endpoints(): { sqs: string; usageQueueUrl: string } {
  if (values['sqs-endpoint'] && values['queue-url']) {
    return { sqs: values['sqs-endpoint'], usageQueueUrl: values['queue-url'] };
  }
  const file = join(values['data-dir']!, 'local-endpoints.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { sqs: string; usageQueueUrl: string };
  } catch {
    throw new Error(`${file} not found: is \`npm start\` running? (or pass --sqs-endpoint and --queue-url)`);
  }
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive integer');
  const { sqs, usageQueueUrl } = endpoints();
  const run = values.run ?? `run_${ulid()}`;
  const events: UsageEventWire[] = [];
  for (let step = 0; step < count; step++) {
    const base = {
      id: `${run}:step_${step}`,
      org_id: values.org!,
      timestamp: new Date().toISOString(),
      agent_id: `agent_${step % 3}`,
      connection_id: `conn_${step % 2}`,
      run_id: run,
    };
    const kind = step % 10;
    if (kind < 7) {
      events.push({
        ...base,
        type: 'llm_tokens',
        model: MODELS[step % MODELS.length]!,
        input_tokens: 500 + ((step * 37) % 2000),
        output_tokens: 100 + ((step * 17) % 600),
      } as UsageEventWire);
    } else if (kind < 9) {
      events.push({ ...base, type: 'tool_invocation', tool: TOOLS[step % TOOLS.length]!, count: 1 } as UsageEventWire);
    } else {
      events.push({ ...base, type: 'agent_run', count: 1 } as UsageEventWire);
    }
  }
  const client = localSqsClient(sqs);
  const result = await publishUsage({ sqs: client, queueUrl: usageQueueUrl }, events);
  client.destroy();
  process.stdout.write(
    `sent ${result.events} events in ${result.messages} messages (${result.calls} calls), run ${run}\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`send-usage: ${error.message}\n`);
  process.exit(1);
});
