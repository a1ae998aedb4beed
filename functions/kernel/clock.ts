/** Time comes from here, injected, so tests and demos can move it. ISO-8601 UTC at every edge. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that runs `factor` times faster than real time from `origin`: used by the local demo mode. */
export function acceleratedClock(factor: number, origin: Date = new Date(), realStart: number = Date.now()): Clock {
  return { now: () => new Date(origin.getTime() + (Date.now() - realStart) * factor) };
}

/** A clock tests set by hand. */
export function fixedClock(at: Date | string): Clock & { set(at: Date | string): void; advance(ms: number): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current),
    set: (next) => {
      current = new Date(next);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

export const toIso = (d: Date): string => d.toISOString();
export const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);
export const addDays = (d: Date, days: number): Date => new Date(d.getTime() + days * 86_400_000);
