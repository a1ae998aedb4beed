import { addDays } from '../../kernel/clock';
import { type Period, periodOf } from '../../kernel/period';
import type { Meter } from '../../kernel/pricing/plans';
import { compareMeterModel, type MeterQuantity, type UsageCell } from '../../kernel/pricing/quantities';

/**
 * Usage, as the domain sees it: an accepted event is a set of meter quantities at an instant, along
 * the dimensions model, agent and connection. Aggregates store *cells*: per agent (or none) and, as a
 * second complete partition of the same usage, per connection (or none), each by meter and model.
 * Any report grouping by meter, model, day and one of agent / connection is a sum of cells.
 */
export interface UsageEvent {
  readonly id: string;
  readonly orgId: string;
  readonly type: 'llm_tokens' | 'tool_invocation' | 'agent_run';
  readonly timestamp: Date;
  readonly model?: string;
  readonly tool?: string;
  readonly agentId?: string;
  readonly connectionId?: string;
  readonly runId?: string;
  readonly quantities: readonly MeterQuantity[];
}

/** How far back an event's timestamp may lie; must stay below the dedup markers' lifetime. */
export const ACCEPT_WINDOW_DAYS = 30;
/** Dedup markers outlive the accepted window and SQS's 14-day retention: a late retry is still a duplicate. */
export const DEDUP_MARKER_DAYS = 45;
/** Producers' clocks drift: up to this much in the future is accepted. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/**
 * A period counts as closed (invoiced) this long after it ends; events for it arriving later are
 * counted *and* flagged for an adjustment on the next invoice. Invoicing must close no earlier.
 */
export const PERIOD_CLOSE_GRACE_MS = 60 * 60_000;

export type TimestampVerdict = 'ok' | 'too_old' | 'in_future';

export function checkTimestamp(at: Date, now: Date): TimestampVerdict {
  if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) return 'in_future';
  if (at.getTime() < addDays(now, -ACCEPT_WINDOW_DAYS).getTime()) return 'too_old';
  return 'ok';
}

/** True when the event's period had already closed when it arrived: it needs an invoice adjustment. */
export function isLate(at: Date, now: Date): boolean {
  return periodOf(at).end.getTime() + PERIOD_CLOSE_GRACE_MS <= now.getTime();
}

export const isPeriodClosed = (period: Period, now: Date): boolean =>
  period.end.getTime() + PERIOD_CLOSE_GRACE_MS <= now.getTime();

/** Short, stable meter codes used inside aggregate attribute names (item size is what AWS bills). */
export const METER_CODES: Record<Meter, string> = {
  llm_input_tokens: 'i',
  llm_output_tokens: 'o',
  llm_cached_input_tokens: 'c',
  tool_invocations: 't',
  agent_runs: 'r',
};
const METER_BY_CODE = Object.fromEntries(Object.entries(METER_CODES).map(([m, c]) => [c, m as Meter]));

/**
 * Which stretch of its period an event is counted in: the start of the terms segment in force at the
 * event's timestamp (by the timeline as read when the event is counted), clipped to the start of the
 * event's period, so the first stretch of every period starts at the period start. Counters are kept
 * per stretch, so usage counted before a plan switch stays priced under the terms it was counted under:
 * a switch made later never moves it. `segmentStarts` are ISO instants, in any order.
 */
export function stretchStart(segmentStarts: readonly string[], at: Date): string {
  const iso = at.toISOString();
  const periodStart = periodOf(at).start.toISOString();
  let start = periodStart;
  for (const s of segmentStarts) if (s <= iso && s > start) start = s;
  return start;
}

const DIMENSION_CODES = { agent: 'a', connection: 'c' } as const;

/** `a|<agent>|<meter code>|<model>`: dimension values never contain `|` (the event contract forbids it). */
export function cellKey(dimension: UsageCell['dimension'], value: string, meter: Meter, model: string): string {
  return `${DIMENSION_CODES[dimension]}|${value}|${METER_CODES[meter]}|${model}`;
}

export function parseCellKey(key: string, quantity: number): UsageCell | undefined {
  const parts = key.split('|');
  if (parts.length !== 4) return undefined;
  const [d, value, code, model] = parts as [string, string, string, string];
  const dimension = d === 'a' ? 'agent' : d === 'c' ? 'connection' : undefined;
  const meter = METER_BY_CODE[code];
  if (!dimension || !meter) return undefined;
  return { dimension, value, meter, model, quantity };
}

/** The cell increments of one event: each quantity once per agent cell and once per connection cell. */
export function cellIncrements(event: UsageEvent): Map<string, number> {
  const out = new Map<string, number>();
  for (const q of event.quantities) {
    if (q.quantity === 0) continue;
    const model = q.model ?? '';
    for (const key of [
      cellKey('agent', event.agentId ?? '', q.meter, model),
      cellKey('connection', event.connectionId ?? '', q.meter, model),
    ]) {
      out.set(key, (out.get(key) ?? 0) + q.quantity);
    }
  }
  return out;
}

/** Adds `b` into `a` (in place) and returns `a`. */
export function mergeCounts(a: Map<string, number>, b: ReadonlyMap<string, number>): Map<string, number> {
  for (const [k, v] of b) a.set(k, (a.get(k) ?? 0) + v);
  return a;
}

/**
 * A canonical, order-independent rendering of what an event claims (everything but the transport),
 * hashed onto its dedup marker: the same id with any different field is a conflict, not a duplicate.
 */
export function canonicalPayload(event: UsageEvent): string {
  return JSON.stringify([
    event.orgId,
    event.id,
    event.type,
    event.timestamp.toISOString(),
    event.model ?? null,
    event.tool ?? null,
    event.agentId ?? null,
    event.connectionId ?? null,
    event.runId ?? null,
    [...event.quantities].sort(compareMeterModel).map((q) => [q.meter, q.model ?? null, q.quantity]),
  ]);
}
