import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ulid } from 'ulid';
import { publishUsage } from '../../functions/client/usage-publisher';
import type { UsageEventWire } from '../../functions/contract/usage-event';
import { localSqsClient } from './sqs';

/**
 * `npx tsx scripts/local/send-usage.ts --org org_demo --count 100`: sends realistic usage events to the
 * local usage queue through the same publisher the agent runtime uses. Reads the endpoints that
 * `npm start` wrote to .data/local-endpoints.json.
 */
const { values } = parseArgs({
  options: {
    org: { type: 'string', default: 'org_demo' },
    count: { type: 'string', default: '100' },
    'data-dir': { type: 'string', default: join(resolve(__dirname, '../..'), '.data') },
  },
});

const MODELS = ['claude-sonnet-4', 'claude-haiku-4', 'claude-opus-4'];
const TOOLS = ['web_search', 'code_exec', 'sql_query'];

async function main() {
  const endpoints = JSON.parse(readFileSync(join(values['data-dir']!, 'local-endpoints.json'), 'utf8')) as {
    sqs: string;
    usageQueueUrl: string;
  };
  const run = `run_${ulid()}`;
  const events: UsageEventWire[] = [];
  for (let step = 0; step < Number(values.count); step++) {
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
  const result = await publishUsage({ sqs: localSqsClient(endpoints.sqs), queueUrl: endpoints.usageQueueUrl }, events);
  process.stdout.write(
    `sent ${result.events} events in ${result.messages} messages (${result.calls} calls), run ${run}\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`send-usage: ${error.message}\n`);
  process.exit(1);
});
