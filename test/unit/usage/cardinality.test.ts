import fc from 'fast-check';
import {
  boundEvent,
  decides,
  EMPTY_REGISTRY,
  MAX_UNLISTED_MODELS,
  OVERFLOW,
  planAdmission,
  SERIES_BYTES_PER_DIMENSION,
  seriesCost,
} from '../../../functions/usage/domain/cardinality';
import type { UsageEvent } from '../../../functions/usage/domain/usage';

const at = new Date('2026-11-26T17:00:00.000Z');
const event = (id: number, agent: string, model: string | undefined, connection?: string): UsageEvent => ({
  id: `e${id}`,
  orgId: 'org_a',
  type: model ? 'llm_tokens' : 'agent_run',
  timestamp: at,
  ...(model ? { model } : {}),
  agentId: agent,
  ...(connection ? { connectionId: connection } : {}),
  quantities: model
    ? [
        { meter: 'llm_input_tokens', model, quantity: 3 },
        { meter: 'llm_output_tokens', model, quantity: 1 },
      ]
    : [{ meter: 'agent_runs', quantity: 1 }],
});

const arbEvents = fc.array(
  fc.record({
    agent: fc.stringMatching(/^[a-z0-9]{1,120}$/),
    model: fc.option(
      fc.constantFrom('claude-haiku-4', 'claude-opus-4', ...Array.from({ length: 30 }, (_, i) => `m${i}`)),
    ),
    connection: fc.option(fc.stringMatching(/^[a-z]{1,8}$/)),
  }),
  { maxLength: 300 },
);

describe('bounded dimension cardinality', () => {
  it('never admits more series bytes or unlisted models than the bounds, and keeps every quantity', () => {
    fc.assert(
      fc.property(fc.array(arbEvents, { minLength: 1, maxLength: 8 }), (batches) => {
        let registry = EMPTY_REGISTRY;
        batches.forEach((batch, b) => {
          const events = batch.map((e, i) =>
            event(b * 1000 + i, e.agent, e.model ?? undefined, e.connection ?? undefined),
          );
          const plan = planAdmission(registry, events);
          registry = plan.after;
          expect(registry.bytes.agent).toBeLessThanOrEqual(SERIES_BYTES_PER_DIMENSION);
          expect(registry.bytes.connection).toBeLessThanOrEqual(SERIES_BYTES_PER_DIMENSION);
          expect(registry.models.size).toBeLessThanOrEqual(MAX_UNLISTED_MODELS);
          const bytes = [...registry.series.agent].reduce((s, k) => {
            const [value, model] = k.split('|') as [string, string];
            return s + seriesCost(value, model);
          }, 0);
          expect(bytes).toBe(registry.bytes.agent);
          // After admission the registry decides every event of the batch.
          expect(decides(registry, new Set(plan.overflowed), events)).toBe(true);
          for (const e of events) {
            const counted = boundEvent(e, registry);
            expect(counted.quantities.map((q) => q.quantity)).toEqual(e.quantities.map((q) => q.quantity));
            const admitted = registry.series.agent.has(`${e.agentId}|${counted.quantities[0]!.model ?? ''}`);
            expect(counted.agentId).toBe(admitted ? e.agentId : OVERFLOW);
          }
        });
      }),
      { numRuns: 50 },
    );
  });

  it('admits the same series whatever order the events come in', () => {
    const events = Array.from({ length: 3_000 }, (_, i) => event(i, `agent_${i}`, 'claude-haiku-4'));
    const a = planAdmission(EMPTY_REGISTRY, events);
    const b = planAdmission(EMPTY_REGISTRY, [...events].reverse());
    expect([...a.after.series.agent]).toEqual([...b.after.series.agent]);
    expect(a.overflowed.length).toBeGreaterThan(0);
  });

  it('keeps catalog models and counts unlisted models past the bound as ~other', () => {
    const events = Array.from({ length: MAX_UNLISTED_MODELS + 2 }, (_, i) =>
      event(i, 'a', `model_${String(i).padStart(2, '0')}`),
    );
    const { after } = planAdmission(EMPTY_REGISTRY, [...events, event(99, 'a', 'claude-opus-4')]);
    expect(boundEvent(event(1, 'a', 'claude-opus-4'), after).model).toBe('claude-opus-4');
    expect(boundEvent(events[0]!, after).model).toBe('model_00');
    expect(boundEvent(events[MAX_UNLISTED_MODELS]!, after).quantities.map((q) => q.model)).toEqual([
      OVERFLOW,
      OVERFLOW,
    ]);
  });
});
