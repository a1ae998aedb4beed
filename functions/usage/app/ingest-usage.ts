import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import type { MeterQuantity } from '../../kernel/pricing/quantities';
import { canonicalPayload, checkTimestamp, isLate, stretchStart, type UsageEvent } from '../domain/usage';
import { type UsageEventParsed, UsageEvent as UsageEventSchema } from '../event-contract';
import type { AcceptedUsage, CommitOutcome, RejectedUsage, UsageIngestStore } from '../ports';
import type { DimensionBounds } from './dimension-bounds';

/**
 * Ingests one SQS batch of usage messages with an exactly-once effect (design §6):
 * parse → validate each event on its own → quarantine the invalid ones → drop in-batch duplicates →
 * count the rest in transactions (dedup markers + counters) → report which *records* must be retried.
 * A record fails only for an unexpected error touching its own events; everything else is acknowledged.
 */
export interface UsageRecord {
  /** SQS messageId: the batchItemFailures identifier. */
  readonly messageId: string;
  readonly body: string;
  /** SQS SentTimestamp (ms), stable across redeliveries. */
  readonly sentAt: Date;
}

export interface IngestDeps {
  readonly clock: Clock;
  readonly usage: UsageIngestStore;
  /** True when the org exists (positive answers may be cached: orgs are never deleted). */
  readonly orgExists: (orgId: string) => Promise<boolean>;
  /**
   * The starts (ISO) of the org's terms segments in force at some instant of [from, to], read strongly
   * consistent once per org and batch: each event is counted in the stretch of its period whose terms
   * were in force at its timestamp.
   */
  readonly termsStarts: (orgId: string, from: Date, to: Date) => Promise<readonly string[]>;
  /** Maps events onto the models and series their org may still count on their own (bounded cardinality). */
  readonly dimensions: Pick<DimensionBounds, 'bound'>;
  /** Called with the orgs whose usage this batch touched (counted or duplicate), after counting. */
  readonly afterCounting: (orgIds: readonly string[]) => Promise<void>;
}

export interface IngestResult {
  readonly failedMessageIds: string[];
  readonly counted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly late: number;
}

const MAX_PAYLOAD_CHARS = 2_000;

export function toDomainEvent(wire: UsageEventParsed): UsageEvent {
  const quantities: MeterQuantity[] =
    wire.type === 'llm_tokens'
      ? [
          { meter: 'llm_input_tokens', model: wire.model, quantity: wire.input_tokens },
          { meter: 'llm_output_tokens', model: wire.model, quantity: wire.output_tokens },
          ...(wire.cached_input_tokens
            ? [{ meter: 'llm_cached_input_tokens' as const, model: wire.model, quantity: wire.cached_input_tokens }]
            : []),
        ]
      : wire.type === 'tool_invocation'
        ? [{ meter: 'tool_invocations', quantity: wire.count }]
        : [{ meter: 'agent_runs', quantity: wire.count }];
  return {
    id: wire.id,
    orgId: wire.org_id,
    type: wire.type,
    timestamp: new Date(wire.timestamp),
    ...(wire.type === 'llm_tokens' ? { model: wire.model } : {}),
    ...(wire.type === 'tool_invocation' ? { tool: wire.tool } : {}),
    ...(wire.agent_id ? { agentId: wire.agent_id } : {}),
    ...(wire.connection_id ? { connectionId: wire.connection_id } : {}),
    ...(wire.run_id ? { runId: wire.run_id } : {}),
    quantities,
  };
}

export const payloadHash = (event: UsageEvent): string =>
  createHash('sha256').update(canonicalPayload(event)).digest('base64url').slice(0, 32);

function truncated(value: unknown): unknown {
  const json = JSON.stringify(value) ?? 'null';
  return json.length <= MAX_PAYLOAD_CHARS ? value : { truncated: json.slice(0, MAX_PAYLOAD_CHARS) };
}

const zodDetails = (error: z.ZodError) =>
  error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));

interface Candidate {
  readonly messageId: string;
  readonly record: UsageRecord;
  readonly position: number;
  readonly raw: unknown;
  readonly accepted: AcceptedUsage;
}

export async function ingestUsage(deps: IngestDeps, records: readonly UsageRecord[]): Promise<IngestResult> {
  const now = deps.clock.now();
  const rejections: (RejectedUsage & { recordId: string })[] = [];
  const candidates: Candidate[] = [];
  const reject = (
    record: UsageRecord,
    position: number,
    fields: Pick<RejectedUsage, 'reason' | 'message'> & Partial<RejectedUsage>,
  ) =>
    rejections.push({
      recordId: record.messageId,
      messageId: record.messageId,
      sentAt: record.sentAt.toISOString(),
      position,
      rejectedAt: now.toISOString(),
      payload: null,
      ...fields,
    });

  // 1. Parse and validate every event on its own.
  const parsed: { record: UsageRecord; position: number; event: UsageEvent; raw: unknown }[] = [];
  for (const record of records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      reject(record, 0, {
        reason: 'malformed_message',
        message: 'the message body is not JSON',
        payload: truncated(record.body),
        orgId: undefined,
      });
      continue;
    }
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) {
      reject(record, 0, { reason: 'malformed_message', message: 'the message holds an empty array', payload: [] });
    }
    items.forEach((raw, position) => {
      const orgGuess =
        typeof (raw as { org_id?: unknown })?.org_id === 'string' ? (raw as { org_id: string }).org_id : undefined;
      const result = UsageEventSchema.safeParse(raw);
      if (!result.success) {
        reject(record, position, {
          reason: 'invalid_event',
          message: 'the event does not match the usage event contract',
          details: zodDetails(result.error),
          payload: truncated(raw),
          // Filed under the org it names only if that org exists (checked below); else globally.
          orgId: orgGuess,
          eventId:
            typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id.slice(0, 200) : undefined,
        });
        return;
      }
      parsed.push({ record, position, event: toDomainEvent(result.data), raw });
    });
  }

  // 2. Orgs must exist; timestamps must lie in the accepted window.
  const valid: (Omit<Candidate, 'accepted'> & { readonly event: UsageEvent })[] = [];
  const orgIds = [
    ...new Set([...parsed.map((p) => p.event.orgId), ...rejections.flatMap((r) => (r.orgId ? [r.orgId] : []))]),
  ];
  // An org whose existence cannot be checked now (a read failed) is neither known nor unknown: its
  // records are retried, and every other org's events are still counted.
  const known = new Map(
    await Promise.all(
      orgIds.map(async (id) => {
        try {
          return [id, (await deps.orgExists(id)) ? 'known' : 'unknown'] as const;
        } catch {
          return [id, 'unchecked'] as const;
        }
      }),
    ),
  );
  const failed = new Set<string>();
  // A rejection filed under an org that could not be checked waits for the retry to be filed right.
  for (let i = rejections.length - 1; i >= 0; i--) {
    const r = rejections[i]!;
    const state = r.orgId ? known.get(r.orgId) : 'known';
    if (state === 'unchecked') {
      failed.add(r.recordId);
      rejections.splice(i, 1);
    } else if (state === 'unknown') Object.assign(r, { orgId: undefined });
  }
  for (const { event, record, position, raw } of parsed) {
    const base = { orgId: event.orgId, eventId: event.id, payload: truncated(raw) };
    const state = known.get(event.orgId);
    if (state === 'unchecked') {
      failed.add(record.messageId);
      continue;
    }
    if (state === 'unknown') {
      reject(record, position, {
        ...base,
        orgId: undefined,
        reason: 'unknown_org',
        message: `no organization ${event.orgId}`,
      });
      continue;
    }
    const verdict = checkTimestamp(event.timestamp, now);
    if (verdict === 'too_old') {
      reject(record, position, {
        ...base,
        reason: 'timestamp_too_old',
        message: 'the event is older than the accepted window',
      });
      continue;
    }
    if (verdict === 'in_future') {
      reject(record, position, {
        ...base,
        reason: 'timestamp_in_future',
        message: 'the event lies more than 5 minutes in the future',
      });
      continue;
    }
    valid.push({ messageId: record.messageId, record, position, raw, event });
  }

  // 2b. The stretch each event is counted in, from its org's terms timeline over the batch's instants.
  // An org whose timeline cannot be read has its records retried (their events are not counted now).
  const startsByOrg = await termsStartsByOrg(deps, valid);
  for (const { event, ...v } of valid) {
    const starts = startsByOrg.get(event.orgId);
    if (!starts) {
      failed.add(v.messageId);
      continue;
    }
    candidates.push({
      ...v,
      accepted: {
        event,
        payloadHash: payloadHash(event),
        late: isLate(event.timestamp, now),
        termsFrom: stretchStart(starts, event.timestamp),
      },
    });
  }

  // 3. Duplicates inside the batch: the first stands; a different payload is a conflict.
  const distinct: Candidate[] = [];
  const firstSeen = new Map<string, Candidate>();
  const inBatchDuplicateOf = new Map<Candidate, Candidate>();
  let duplicates = 0;
  for (const c of candidates) {
    const key = `${c.accepted.event.orgId}\u0000${c.accepted.event.id}`;
    const first = firstSeen.get(key);
    if (!first) {
      firstSeen.set(key, c);
      distinct.push(c);
    } else if (first.accepted.payloadHash === c.accepted.payloadHash) {
      duplicates += 1;
      inBatchDuplicateOf.set(c, first);
    } else {
      reject(c.record, c.position, {
        orgId: c.accepted.event.orgId,
        eventId: c.accepted.event.id,
        reason: 'conflicting_duplicate',
        message: 'an event with this id and a different payload was already received',
        payload: truncated(c.raw),
      });
    }
  }

  // 3b. Bounded cardinality: each event counted under the models and series its org may still count on
  // their own this period (the rest in `~other`). An org whose registry cannot be read or written has
  // its records retried.
  const { bounded, failedOrgs } = await deps.dimensions.bound(distinct.map((c) => c.accepted));
  const countable: Candidate[] = [];
  distinct.forEach((c, i) => {
    if (failedOrgs.has(c.accepted.event.orgId)) failed.add(c.messageId);
    else countable.push({ ...c, accepted: bounded[i]! });
  });

  // 4. Count. Outcomes come back per event; a failed chunk fails only its own records.
  const outcomes: CommitOutcome[] = await deps.usage.commit(
    countable.map((c) => c.accepted),
    { shardSeed: shardSeedOf(records), now },
  );
  let counted = 0;
  let late = 0;
  outcomes.forEach((outcome, i) => {
    const c = countable[i]!;
    if (outcome.kind === 'counted') {
      counted += 1;
      if (c.accepted.late) late += 1;
    } else if (outcome.kind === 'duplicate') {
      duplicates += 1;
    } else if (outcome.kind === 'conflict') {
      reject(c.record, c.position, {
        orgId: c.accepted.event.orgId,
        eventId: c.accepted.event.id,
        reason: 'conflicting_duplicate',
        message: 'an event with this id and a different payload was already counted; the original stands',
        payload: truncated(c.raw),
      });
    } else if (outcome.kind === 'uncountable') {
      reject(c.record, c.position, {
        orgId: c.accepted.event.orgId,
        eventId: c.accepted.event.id,
        reason: 'uncountable',
        message: 'the event cannot be counted: DynamoDB refused its counter update for good',
        details: { reason: outcome.reason },
        payload: truncated(c.raw),
      });
    } else {
      failed.add(c.messageId);
    }
  });
  // An in-batch duplicate shares the fate of the event it duplicates.
  for (const [dup, first] of inBatchDuplicateOf) if (failed.has(first.messageId)) failed.add(dup.messageId);

  // 5. Quarantine (idempotent keys): if it fails, the records it concerns are retried.
  if (rejections.length > 0) {
    try {
      await deps.usage.quarantine(
        rejections.map(({ recordId: _r, ...r }) => r),
        now,
      );
    } catch {
      for (const r of rejections) failed.add(r.recordId);
    }
  }

  // 6. Budgets: evaluated for every org the batch touched, duplicates included, so a batch retried after
  // a crash between counting and notifying still notifies (the outbox deduplicates by cause).
  const touched = [
    ...new Set(
      countable
        .filter((_c, i) => outcomes[i]!.kind === 'counted' || outcomes[i]!.kind === 'duplicate')
        .map((c) => c.accepted.event.orgId),
    ),
  ];
  if (touched.length > 0) {
    try {
      await deps.afterCounting(touched);
    } catch {
      const touchedSet = new Set(touched);
      for (const c of countable) if (touchedSet.has(c.accepted.event.orgId)) failed.add(c.messageId);
    }
  }

  return { failedMessageIds: [...failed], counted, duplicates, rejected: rejections.length, late };
}

async function termsStartsByOrg(
  deps: IngestDeps,
  events: readonly { event: UsageEvent }[],
): Promise<Map<string, readonly string[]>> {
  const spans = new Map<string, { from: Date; to: Date }>();
  for (const { event } of events) {
    const span = spans.get(event.orgId);
    if (!span) spans.set(event.orgId, { from: event.timestamp, to: event.timestamp });
    else {
      if (event.timestamp < span.from) span.from = event.timestamp;
      if (event.timestamp > span.to) span.to = event.timestamp;
    }
  }
  const out = new Map<string, readonly string[]>();
  await Promise.all(
    [...spans].map(async ([orgId, { from, to }]) => {
      try {
        out.set(orgId, await deps.termsStarts(orgId, from, to));
      } catch {
        // Left out: the org's records are retried.
      }
    }),
  );
  return out;
}

/** A per-batch seed for the shard choice: concurrent batches spread over shards. */
function shardSeedOf(records: readonly UsageRecord[]): number {
  const first = records[0]?.messageId ?? '';
  return createHash('sha1').update(first).digest().readUInt32BE(0);
}
