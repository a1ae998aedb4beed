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

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
