/** The process dying right after a call answered: what a crash between two Stripe calls looks like. */
export class StripeCallCrash extends Error {}

/**
 * `real`, but the `n`-th call made through it throws once it has answered (the call happened at
 * Stripe; its response is lost). `calls` counts the calls made so far.
 */
export function crashingAfter<G extends object>(real: G, n: number): { gateway: G; calls: () => number } {
  let calls = 0;
  const gateway = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        calls += 1;
        if (calls === n) throw new StripeCallCrash(`crash after Stripe call ${n} (${String(prop)})`);
        return result;
      };
    },
  });
  return { gateway, calls: () => calls };
}
