import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62, like the tail of Stripe's ids. */
export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/**
 * Stripe-shaped ids: a type prefix and 24 characters (`pm_1Pgc75B7WZ01zgkWlHVgdEGJ`); customers have
 * 14 (`cus_QXg1o8vcGmoR32`). Code must only rely on the prefix, as with Stripe.
 */
export function newId(prefix: string): string {
  return prefix === 'cus' ? `cus_${randomToken(14)}` : `${prefix}_1${randomToken(23)}`;
}

/**
 * The sandbox's clock. Each sandbox has its own (tests run several in one process), so the server
 * runs every API and control call inside `withClock(clock, …)` and object timestamps (`created`,
 * `status_transitions.*`, `due_by`, …) read it here. Webhook signatures deliberately use the real
 * time: the receiver checks them against its own clock (300 s tolerance).
 */
const clockScope = new AsyncLocalStorage<() => Date>();

export const withClock = <T>(clock: () => Date, run: () => T): T => clockScope.run(clock, run);

export const now = (): Date => (clockScope.getStore() ?? (() => new Date()))();

export const nowSeconds = (): number => Math.floor(now().getTime() / 1000);
