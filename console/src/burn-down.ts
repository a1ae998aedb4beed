/**
 * A contract year's burn-down, from the utilization route alone: the commitment left after each
 * billing period of the year (`by_period`, the same ratings the invoices bill) and, for the year in
 * force, where the API's run-rate projection takes it by the year end. One label per UTC day of the
 * year, plus the year's end; a value only where the API gives one (Chart.js draws straight lines
 * between them), so nothing between two readings is invented.
 */
export interface UtilizationYear {
  index: number;
  start: string;
  end: string;
  committed_minor: number;
  consumed_minor: number;
  remaining_minor: number;
  by_period: readonly { period: string; from: string; to: string; consumed_minor: number }[];
}

export interface BurnDown {
  /** UTC days `YYYY-MM-DD` from the year's start to its end (the end's day last). */
  labels: string[];
  /** Commitment left (never below 0; overage is reported apart), at each reading; null between. */
  remaining: (number | null)[];
  /** The projection from now to the year end (current year only); null before now. */
  projected: (number | null)[] | undefined;
}

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => iso.slice(0, 10);

export function burnDown(
  year: UtilizationYear,
  asOf: string,
  projection?: { projected_year_minor: number } | null,
): BurnDown {
  const labels: string[] = [];
  const first = Date.parse(`${dayOf(year.start)}T00:00:00Z`);
  const endMs = Date.parse(year.end);
  for (let t = first; t <= endMs && labels.length < 800; t += DAY_MS)
    labels.push(new Date(t).toISOString().slice(0, 10));
  if (labels.at(-1) !== dayOf(year.end)) labels.push(dayOf(year.end));
  const index = new Map(labels.map((d, i) => [d, i]));
  const left = (consumed: number) => Math.max(0, year.committed_minor - consumed);

  const remaining: (number | null)[] = labels.map(() => null);
  const set = (iso: string, value: number) => {
    const i = index.get(dayOf(iso));
    if (i !== undefined) remaining[i] = value;
  };
  if (year.by_period.length) {
    // Untouched from the year's start until the contract came into force in it.
    set(year.start, year.committed_minor);
    set(year.by_period[0]!.from, year.committed_minor);
    let consumed = 0;
    for (const p of year.by_period) {
      consumed += p.consumed_minor;
      set(p.to, left(consumed));
    }
  }

  let projected: (number | null)[] | undefined;
  if (projection) {
    // Linear from what is consumed now to the projected year total at the year end (the run rate the
    // API projects with), in integers: (P − C) × elapsed / span, rounded half away from zero.
    const now = Date.parse(asOf);
    const span = BigInt(Math.max(1, endMs - now));
    const rise = BigInt(projection.projected_year_minor - year.consumed_minor);
    const today = dayOf(asOf);
    projected = labels.map((d, i) => {
      if (d < today) return null;
      if (d === today) return year.remaining_minor;
      const t = i === labels.length - 1 ? endMs : Math.min(endMs, Date.parse(`${d}T00:00:00Z`));
      const num = rise * BigInt(Math.max(0, t - now));
      const q = num / span;
      const r = num % span;
      const rounded = 2n * (r < 0n ? -r : r) >= span ? q + (num < 0n ? -1n : 1n) : q;
      return left(year.consumed_minor + Number(rounded));
    });
  }
  return { labels, remaining, projected };
}
