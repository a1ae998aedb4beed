import type { Meter } from './plans';

/**
 * What rating reads: quantities per meter (and model), and the aggregate cells the usage capability
 * counts them in. Shared kernel because rating is: usage, invoicing and contracts all rate these.
 */
export interface MeterQuantity {
  readonly meter: Meter;
  /** Set for token meters (priced per model). */
  readonly model?: string;
  readonly quantity: number;
}

/** One aggregate cell: usage of one meter (and model) for one agent or one connection ('' = none). */
export interface UsageCell {
  readonly dimension: 'agent' | 'connection';
  /** '' when the events carried no agent / connection. */
  readonly value: string;
  readonly meter: Meter;
  /** '' for meters not priced per model. */
  readonly model: string;
  readonly quantity: number;
  /**
   * The stretch of the period the usage was counted in (see `stretchStart`): the start of the terms in
   * force at the event's instant, as an ISO instant. Absent: the period's first stretch.
   */
  readonly termsFrom?: string;
}

/** Total quantity per (meter, model), from the agent partition of the cells (it covers all usage once). */
export function totalsByMeterModel(cells: readonly UsageCell[]): MeterQuantity[] {
  const sums = new Map<string, MeterQuantity>();
  for (const cell of cells) {
    if (cell.dimension !== 'agent') continue;
    const key = `${cell.meter}|${cell.model}`;
    const prev = sums.get(key);
    sums.set(key, {
      meter: cell.meter,
      ...(cell.model ? { model: cell.model } : {}),
      quantity: (prev?.quantity ?? 0) + cell.quantity,
    });
  }
  return [...sums.values()].sort(compareMeterModel);
}

export function compareMeterModel(a: { meter: Meter; model?: string }, b: { meter: Meter; model?: string }): number {
  return a.meter === b.meter ? (a.model ?? '').localeCompare(b.model ?? '') : a.meter.localeCompare(b.meter);
}
