import { monotonicFactory } from 'ulid';
import type { IdGenerator } from './ports';

/** ULIDs: sortable by creation time, so lists come out in order without a separate timestamp index. */
export function ulidGenerator(): IdGenerator {
  const next = monotonicFactory();
  return { next: (prefix) => (prefix ? `${prefix}_${next()}` : next()) };
}
