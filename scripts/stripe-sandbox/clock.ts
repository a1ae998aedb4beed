/**
 * The sandbox's time: a base clock (the system's, or the one given) plus an offset that control moves
 * forward (`advanceClock`) or to a point (`setClock`), so a test can age disputes or invoices without
 * waiting. Time keeps flowing from there, as with a Stripe test clock. It never goes backwards.
 */
export class SandboxClock {
  private offsetMs = 0;

  constructor(private readonly base: () => Date = () => new Date()) {}

  readonly now = (): Date => new Date(this.base().getTime() + this.offsetMs);

  /** How far control has moved the clock ahead of its base (kept in the state file). */
  get offset(): number {
    return this.offsetMs;
  }

  /** Restores a saved offset (the state file): never moves the clock backwards. */
  restoreOffset(ms: number): void {
    if (Number.isFinite(ms) && ms > this.offsetMs) this.offsetMs = ms;
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new Error('advanceClock needs a non-negative number of ms');
    this.offsetMs += ms;
    return this.now();
  }

  set(to: Date): Date {
    const delta = to.getTime() - this.now().getTime();
    if (!Number.isFinite(delta)) throw new Error('setClock needs a valid date');
    if (delta < 0) throw new Error('the sandbox clock only moves forward');
    return this.advance(delta);
  }
}
