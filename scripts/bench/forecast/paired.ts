/**
 * The backtest's paired comparison of two methods scored on the same traces (`npm run bench:forecast`),
 * and how the bench and the README summary print it.
 */
import { quantile } from '../../../functions/usage/domain/forecast';

export const BOOTSTRAP_RESAMPLES = 2_000;

/**
 * median(a) − median(b) over paired samples (a[i] and b[i] scored on the same trace), with the 5th and
 * 95th percentiles of that difference over resamples of the traces. `random` is seeded by the caller,
 * so a run replays.
 */
export function pairedMedianDifference(a: readonly number[], b: readonly number[], random: () => number) {
  const differences: number[] = [];
  for (let k = 0; k < BOOTSTRAP_RESAMPLES; k++) {
    const pick = Array.from({ length: a.length }, () => Math.floor(random() * a.length));
    differences.push(
      quantile(
        pick.map((i) => a[i]!),
        0.5,
      ) -
        quantile(
          pick.map((i) => b[i]!),
          0.5,
        ),
    );
  }
  return {
    difference: quantile(a, 0.5) - quantile(b, 0.5),
    low: quantile(differences, 0.05),
    high: quantile(differences, 0.95),
  };
}

/** A difference of two fractions in percentage points, signed: `+0.04`, `−0.26`. */
export const signedPoints = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}`;
