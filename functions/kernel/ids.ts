import { createHash } from 'node:crypto';
import { monotonicFactory, ulid } from 'ulid';
import type { IdGenerator } from './ports';

/** ULIDs: sortable by creation time, so lists come out in order without a separate timestamp index. */
export function ulidGenerator(): IdGenerator {
  const next = monotonicFactory();
  return { next: (prefix) => (prefix ? `${prefix}_${next()}` : next()) };
}

/**
 * A ULID whose time part is `timeMs` and whose random part comes from `seed`: the same seed always
 * gives the same id. For records a retried or concurrent job must create exactly once (an invoice per
 * org, period and kind): both writers compute the one id, and a conditional put lets one win.
 */
export function derivedUlid(timeMs: number, seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  let i = 0;
  // ulid() draws 16 random base-32 characters, one per call; each byte of the hash feeds one.
  return ulid(timeMs, () => bytes[i++ % bytes.length]! / 256);
}
