import * as z from 'zod';
import { ORG_ID_PATTERN } from '../kernel/org';

/**
 * The usage event: the contract with the agent runtime (SQS message body). One message carries one
 * event or an array of events; each event is validated on its own, so one malformed event never
 * rejects its neighbours. Wire format is snake_case.
 *
 * `id` is derived from the work itself (`<run>:<step>`), so a producer that retries resends the same
 * id and the consumer counts it once. Ids are unique per org: two orgs may use the same id.
 */

/**
 * Dimension values (model, agent, connection, tool, run) become parts of aggregate attribute names:
 * a restricted alphabet keeps them unambiguous (`|` separates the parts) and bounded in size.
 */
const DIMENSION = /^[A-Za-z0-9][A-Za-z0-9_.:@/+-]{0,127}$/;
const Dimension = z.string().regex(DIMENSION, 'letters, digits and _ . : @ / + - (1–128 characters)');
/** One event may carry at most this many units of one meter: bounds a producer bug, keeps sums safe. */
export const MAX_UNITS_PER_EVENT = 1_000_000_000;
const Units = z.number().int().min(0).max(MAX_UNITS_PER_EVENT);
const Count = z.number().int().min(1).max(MAX_UNITS_PER_EVENT);

const Common = {
  id: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'printable ASCII without spaces, 1–200 characters'),
  org_id: z.string().regex(ORG_ID_PATTERN, 'org ids are 3–64 letters, digits, "_" or "-"'),
  /** When the work happened (ISO-8601 with a zone, e.g. `2026-11-26T17:04:18.120Z`): decides the period. */
  timestamp: z.iso.datetime({ offset: true }),
  agent_id: Dimension.optional(),
  connection_id: Dimension.optional(),
  run_id: Dimension.optional(),
};

export const LlmTokensEvent = z.strictObject({
  ...Common,
  type: z.literal('llm_tokens'),
  model: Dimension,
  input_tokens: Units,
  output_tokens: Units,
  cached_input_tokens: Units.optional(),
});

export const ToolInvocationEvent = z.strictObject({
  ...Common,
  type: z.literal('tool_invocation'),
  tool: Dimension,
  count: Count.default(1),
});

export const AgentRunEvent = z.strictObject({
  ...Common,
  type: z.literal('agent_run'),
  count: Count.default(1),
});

export const UsageEvent = z.discriminatedUnion('type', [LlmTokensEvent, ToolInvocationEvent, AgentRunEvent]);
export type UsageEventWire = z.input<typeof UsageEvent>;
export type UsageEventParsed = z.output<typeof UsageEvent>;

/** One SQS message body: a single event or an array of them (packing cuts queue cost). */
export const UsageMessage = z.union([UsageEvent, z.array(UsageEvent).min(1)]);

/** SQS's message size limit: the publisher packs events into messages below it. */
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;
