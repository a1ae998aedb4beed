import { CATALOG_MODELS } from '../../kernel/pricing/plans';
import type { UsageCell } from '../../kernel/pricing/quantities';
import type { UsageEvent } from './usage';

/**
 * Bounded dimension cardinality. Counter items hold one cell per (agent or connection, meter, model):
 * left alone, an org that sends many distinct agent ids or model names grows its items past DynamoDB's
 * 400 KB item limit, and every transaction touching them fails. So per org and period:
 *
 *  - models outside the catalog are admitted up to `MAX_UNLISTED_MODELS` (catalog models always are:
 *    they are what is priced); later ones are counted as the model `~other` (unpriced, like any model
 *    the catalog does not know);
 *  - each dimension's *series* (`<value>|<model>`: the cells one agent or connection has for one model)
 *    are admitted while their worst-case size fits `SERIES_BYTES_PER_DIMENSION`; a series that does
 *    not fit is counted under the value `~other` (same meter and model).
 *
 * Totals stay exact (nothing is dropped; overflow is a bucket of its own, shown in the summary), the
 * per-agent detail of the overflowed series is what is given up. The event contract forbids `~` in
 * dimension values, so `~other` never collides with a real id. Admission is per period and never
 * undone: a series is either counted on its own for the whole period (from its first event) or in the
 * overflow bucket for the whole period.
 *
 * Worst case per counter item: 2 dimensions × 160 KB of admitted series + the overflow series (≤ 21
 * models × 2 dimensions) ≈ 340 KB, under 400 KB whatever the ids.
 */
export const OVERFLOW = '~other';
export const SERIES_BYTES_PER_DIMENSION = 160_000;
export const MAX_UNLISTED_MODELS = 16;
export const CARDINALITY_DIMENSIONS = ['agent', 'connection'] as const;
export type CardinalityDimension = (typeof CARDINALITY_DIMENSIONS)[number];

const CATALOG = new Set(CATALOG_MODELS);

export interface DimensionRegistry {
  /** Admitted models outside the catalog. */
  readonly models: ReadonlySet<string>;
  /** Admitted series (`<value>|<model>`) per dimension, and the bytes they may take. */
  readonly series: Readonly<Record<CardinalityDimension, ReadonlySet<string>>>;
  readonly bytes: Readonly<Record<CardinalityDimension, number>>;
  /** Optimistic concurrency: every admission bumps it. */
  readonly version: number;
}

export const EMPTY_REGISTRY: DimensionRegistry = {
  models: new Set(),
  series: { agent: new Set(), connection: new Set() },
  bytes: { agent: 0, connection: 0 },
  version: 0,
};

export const seriesKey = (value: string, model: string) => `${value}|${model}`;

/**
 * The most item space one series can take: its cells (tools and runs without a model; input, output and
 * cached input per model) times the longest attribute name (`a|<value>|<meter>|<model>`) and number.
 */
export function seriesCost(value: string, model: string): number {
  const cells = model === '' ? 2 : 3;
  return cells * (2 + value.length + 3 + model.length + 9);
}

const modelsOf = (event: UsageEvent): string[] => [...new Set(event.quantities.map((q) => q.model ?? ''))];
const dimensionValue = (event: UsageEvent, dimension: CardinalityDimension) =>
  (dimension === 'agent' ? event.agentId : event.connectionId) ?? '';

export interface Admission {
  readonly models: readonly string[];
  readonly series: Readonly<Record<CardinalityDimension, readonly string[]>>;
  readonly bytes: Readonly<Record<CardinalityDimension, number>>;
}

export interface AdmissionPlan {
  readonly admission: Admission;
  /** Models and series (`<dimension>:<series>`, `model:<model>`) that will never be admitted this period. */
  readonly overflowed: readonly string[];
  /** The registry once the admission is written. */
  readonly after: DimensionRegistry;
}

export const isEmptyAdmission = (a: Admission) =>
  a.models.length === 0 && a.series.agent.length === 0 && a.series.connection.length === 0;

/** The model an event's usage is counted under: catalog, admitted, or `~other`. */
export const mappedModel = (model: string, registry: DimensionRegistry) =>
  model === '' || CATALOG.has(model) || registry.models.has(model) ? model : OVERFLOW;

/**
 * What to admit for a batch of one org and period, given the registry: models first (in sorted order,
 * while there is room), then each dimension's series under the mapped models (sorted, while they fit).
 * Deterministic, so concurrent consumers that read the same registry decide the same.
 */
export function planAdmission(registry: DimensionRegistry, events: readonly UsageEvent[]): AdmissionPlan {
  const overflowed: string[] = [];
  const models = [...new Set(events.flatMap(modelsOf))]
    .filter((m) => m !== '' && !CATALOG.has(m) && !registry.models.has(m))
    .sort();
  const room = Math.max(0, MAX_UNLISTED_MODELS - registry.models.size);
  const admittedModels = models.slice(0, room);
  for (const m of models.slice(room)) overflowed.push(`model:${m}`);
  const withModels: DimensionRegistry = { ...registry, models: new Set([...registry.models, ...admittedModels]) };

  const series = { agent: [] as string[], connection: [] as string[] };
  const bytes = { agent: 0, connection: 0 };
  for (const dimension of CARDINALITY_DIMENSIONS) {
    const wanted = new Map<string, number>();
    for (const event of events) {
      const value = dimensionValue(event, dimension);
      for (const model of modelsOf(event)) {
        const mapped = mappedModel(model, withModels);
        const key = seriesKey(value, mapped);
        if (!registry.series[dimension].has(key)) wanted.set(key, seriesCost(value, mapped));
      }
    }
    let used = registry.bytes[dimension];
    for (const [key, cost] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (used + cost <= SERIES_BYTES_PER_DIMENSION) {
        series[dimension].push(key);
        bytes[dimension] += cost;
        used += cost;
      } else overflowed.push(`${dimension}:${key}`);
    }
  }
  const admission: Admission = { models: admittedModels, series, bytes };
  return {
    admission,
    overflowed,
    after: {
      models: withModels.models,
      series: {
        agent: new Set([...registry.series.agent, ...series.agent]),
        connection: new Set([...registry.series.connection, ...series.connection]),
      },
      bytes: { agent: registry.bytes.agent + bytes.agent, connection: registry.bytes.connection + bytes.connection },
      version: registry.version + (isEmptyAdmission(admission) ? 0 : 1),
    },
  };
}

/**
 * True when the registry (with what is known to overflow) decides every model and series of the events,
 * so the batch needs neither a read nor a write of the registry.
 */
export function decides(registry: DimensionRegistry, overflowed: ReadonlySet<string>, events: readonly UsageEvent[]) {
  const modelsFull = registry.models.size >= MAX_UNLISTED_MODELS;
  for (const event of events) {
    for (const model of modelsOf(event)) {
      if (model !== '' && !CATALOG.has(model) && !registry.models.has(model)) {
        if (!modelsFull && !overflowed.has(`model:${model}`)) return false;
      }
      const mapped = mappedModel(model, registry);
      for (const dimension of CARDINALITY_DIMENSIONS) {
        const key = seriesKey(dimensionValue(event, dimension), mapped);
        if (!registry.series[dimension].has(key) && !overflowed.has(`${dimension}:${key}`)) return false;
      }
    }
  }
  return true;
}

/** The event as it is counted: models and dimension values outside the admitted ones become `~other`. */
export function boundEvent(event: UsageEvent, registry: DimensionRegistry): UsageEvent {
  // An event carries one model (tokens) or none (tools, runs): its series are (value, that model).
  const model = mappedModel(event.quantities[0]?.model ?? '', registry);
  const keep = (dimension: CardinalityDimension) =>
    registry.series[dimension].has(seriesKey(dimensionValue(event, dimension), model));
  const agent = keep('agent') ? event.agentId : OVERFLOW;
  const connection = keep('connection') ? event.connectionId : OVERFLOW;
  const sameModel = model === (event.quantities[0]?.model ?? '');
  if (sameModel && agent === event.agentId && connection === event.connectionId) return event;
  return {
    ...event,
    ...(agent !== undefined ? { agentId: agent } : {}),
    ...(connection !== undefined ? { connectionId: connection } : {}),
    ...(event.model !== undefined ? { model } : {}),
    quantities: event.quantities.map((q) => (q.model !== undefined ? { ...q, model } : q)),
  };
}

/** Usage counted in overflow buckets, per dimension and meter (for the summary). */
export function overflowOf(cells: readonly UsageCell[]) {
  const out = new Map<string, number>();
  for (const c of cells) {
    if (c.dimension === 'agent' && c.value === OVERFLOW)
      out.set(`agent|${c.meter}`, (out.get(`agent|${c.meter}`) ?? 0) + c.quantity);
    if (c.dimension === 'connection' && c.value === OVERFLOW) {
      out.set(`connection|${c.meter}`, (out.get(`connection|${c.meter}`) ?? 0) + c.quantity);
    }
    if (c.dimension === 'agent' && c.model === OVERFLOW)
      out.set(`model|${c.meter}`, (out.get(`model|${c.meter}`) ?? 0) + c.quantity);
  }
  return [...out].map(([k, quantity]) => {
    const [dimension, meter] = k.split('|') as ['agent' | 'connection' | 'model', UsageCell['meter']];
    return { dimension, meter, quantity };
  });
}
