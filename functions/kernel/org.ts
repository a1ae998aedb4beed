import type { Currency } from './money';

/** Org ids come from the platform (its own tenant ids), so they are validated, not minted. */
export const ORG_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;

export interface Org {
  readonly id: string;
  readonly name: string;
  readonly defaultCurrency: Currency;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-concurrency version: every write is conditional on it. */
  readonly version: number;
}
