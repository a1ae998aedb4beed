/**
 * fee × the fraction of the calendar month left at `at` — (month end − at) / (month end − month start),
 * as the API prorates (a short first period is still a fraction of the whole month) — rounded half away
 * from zero, in integers (BigInt: no float holds money).
 */
export function prorate(feeMinor: number, at: string): number {
  const t = new Date(at);
  const start = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1);
  const end = Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1);
  const left = BigInt(Math.max(0, end - t.getTime()));
  const length = BigInt(end - start);
  if (length === 0n) return 0;
  const numerator = BigInt(feeMinor) * left * 2n + length;
  return Number(numerator / (2n * length));
}
