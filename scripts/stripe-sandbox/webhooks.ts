import Stripe from 'stripe';

/**
 * Stripe's signature header (`t=<unix seconds>,v1=<HMAC-SHA256 of "<t>.<raw body>">`), made by the
 * Stripe SDK itself (`generateTestHeaderString`), so the sandbox signs exactly as the SDK verifies.
 * Each attempt is signed afresh with its own timestamp.
 */
export function signatureHeader(payload: string, secret: string, timestampSeconds: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: timestampSeconds });
}

export type DeliveryStatus = 'pending' | 'held' | 'delivering' | 'retrying' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  at: string;
  /** The endpoint's HTTP status, absent when the request itself failed. */
  status?: number;
  error?: string;
  durationMs: number;
}

export interface Delivery {
  id: string;
  eventId: string;
  type: string;
  /** The `data.object.id` of the event: deliveries about one object keep their order. */
  objectId: string;
  kind: 'original' | 'redelivery';
  status: DeliveryStatus;
  url: string;
  attempts: DeliveryAttempt[];
  createdAt: string;
  deliveredAt?: string;
}

export interface DeliveryStats {
  total: number;
  byStatus: Record<DeliveryStatus, number>;
  /** HTTP attempts over all deliveries (a delivery retried twice counts 3). */
  attempts: number;
  redeliveries: number;
}

export type ReleaseOrder = string[] | 'reverse' | 'shuffle' | 'original';

export interface DispatcherOptions {
  url: string | undefined;
  secret: string;
  /** Wait before each retry; after the last one the delivery is `failed` (Stripe gives up after 3 days). */
  retryDelaysMs: number[];
  timeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * Delivers events to one endpoint, asynchronously, like Stripe:
 * - deliveries about the same object go one after the other, each retried until a 2xx (or given up);
 *   deliveries about different objects run concurrently;
 * - `hold()` parks new deliveries; `release(order)` sends them in the order asked (to test a consumer
 *   against out-of-order events), then later ones flow normally;
 * - `redeliver(eventId, times)` sends an event again (duplicates, as Stripe may).
 */
export class WebhookDispatcher {
  private url: string | undefined;
  private readonly deliveries: Delivery[] = [];
  private readonly payloads = new Map<string, string>();
  private readonly chains = new Map<string, Promise<void>>();
  private held: Delivery[] = [];
  private holding = false;
  private closed = false;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly inflight = new Set<AbortController>();
  private seq = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.url = options.url;
  }

  get endpoint(): string | undefined {
    return this.url;
  }

  setUrl(url: string | undefined): void {
    this.url = url || undefined;
  }

  /** A new event: one delivery to the endpoint, if there is one. */
  enqueue(event: Stripe.Event): Delivery | undefined {
    if (!this.url || this.closed) return undefined;
    const delivery = this.create(event, 'original');
    if (this.holding) {
      delivery.status = 'held';
      this.held.push(delivery);
      return delivery;
    }
    this.chain(delivery);
    return delivery;
  }

  redeliver(event: Stripe.Event, times: number): Delivery[] {
    if (!this.url) throw new Error('no webhook URL is set');
    const created = Array.from({ length: times }, () => this.create(event, 'redelivery'));
    if (this.holding) {
      for (const d of created) d.status = 'held';
      this.held.push(...created);
    } else {
      void (async () => {
        for (const d of created) await this.deliverUntilDone(d);
      })();
    }
    return created;
  }

  hold(): void {
    this.holding = true;
  }

  /** Sends the held deliveries in the order asked, one after the other (first attempts), and resumes. */
  async release(order: ReleaseOrder = 'original'): Promise<Delivery[]> {
    this.holding = false;
    const held = this.held;
    this.held = [];
    const ordered = orderDeliveries(held, order);
    for (const d of ordered) {
      d.status = 'pending';
      const ok = await this.attempt(d);
      // A failed released delivery retries on its own: the order asked was only about first attempts.
      if (!ok) void this.retryLoop(d);
    }
    return ordered;
  }

  list(filter: { eventId?: string; type?: string; status?: DeliveryStatus } = {}): Delivery[] {
    return this.deliveries
      .filter(
        (d) =>
          (!filter.eventId || d.eventId === filter.eventId) &&
          (!filter.type || d.type === filter.type) &&
          (!filter.status || d.status === filter.status),
      )
      .map((d) => structuredClone(d));
  }

  /** Counts over every delivery so far: how many per status, attempts made, duplicates sent. */
  stats(): DeliveryStats {
    const byStatus: Record<DeliveryStatus, number> = {
      pending: 0,
      held: 0,
      delivering: 0,
      retrying: 0,
      delivered: 0,
      failed: 0,
    };
    let attempts = 0;
    for (const d of this.deliveries) {
      byStatus[d.status] += 1;
      attempts += d.attempts.length;
    }
    const redeliveries = this.deliveries.filter((d) => d.kind === 'redelivery').length;
    return { total: this.deliveries.length, byStatus, attempts, redeliveries };
  }

  /** Resolves once nothing is pending, delivering or retrying (held deliveries wait for release). */
  async settled(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const busy = () => this.deliveries.some((d) => ['pending', 'delivering', 'retrying'].includes(d.status));
    while (busy()) {
      if (Date.now() > deadline) throw new Error('webhook deliveries did not settle in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    for (const c of this.inflight) c.abort();
  }

  private create(event: Stripe.Event, kind: Delivery['kind']): Delivery {
    if (!this.payloads.has(event.id)) {
      // Stripe sends the event pretty-printed; the signature covers these exact bytes.
      this.payloads.set(event.id, JSON.stringify(event, null, 2));
    }
    const delivery: Delivery = {
      id: `whdel_${++this.seq}`,
      eventId: event.id,
      type: event.type,
      objectId: (event.data.object as { id?: string }).id ?? event.id,
      kind,
      status: 'pending',
      url: this.url!,
      attempts: [],
      createdAt: new Date().toISOString(),
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  private chain(delivery: Delivery): void {
    const key = delivery.objectId;
    const previous = this.chains.get(key) ?? Promise.resolve();
    // Start after the API response has gone out, as Stripe does.
    const next = previous
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => this.deliverUntilDone(delivery));
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async deliverUntilDone(delivery: Delivery): Promise<void> {
    if (await this.attempt(delivery)) return;
    await this.retryLoop(delivery);
  }

  private async retryLoop(delivery: Delivery): Promise<void> {
    for (const delay of this.options.retryDelaysMs) {
      if (this.closed) return;
      delivery.status = 'retrying';
      await this.sleep(delay);
      if (this.closed) return;
      if (await this.attempt(delivery)) return;
    }
    delivery.status = 'failed';
    this.options.log?.(
      `webhook ${delivery.eventId} (${delivery.type}) given up after ${delivery.attempts.length} attempts`,
    );
  }

  private async attempt(delivery: Delivery): Promise<boolean> {
    if (this.closed) return false;
    delivery.status = 'delivering';
    const payload = this.payloads.get(delivery.eventId)!;
    const started = Date.now();
    const controller = new AbortController();
    this.inflight.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 10_000);
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signatureHeader(payload, this.options.secret, Math.floor(Date.now() / 1000)),
        },
        body: payload,
        signal: controller.signal,
      });
      // Stripe reads (and ignores) the body; draining it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      delivery.attempts.push({
        at: new Date(started).toISOString(),
        status: response.status,
        durationMs: Date.now() - started,
      });
      if (response.status >= 200 && response.status < 300) {
        delivery.status = 'delivered';
        delivery.deliveredAt = new Date().toISOString();
        return true;
      }
    } catch (error) {
      delivery.attempts.push({
        at: new Date(started).toISOString(),
        error: error instanceof Error ? error.message : String(error),
        durationMs: Date.now() - started,
      });
    } finally {
      clearTimeout(timeout);
      this.inflight.delete(controller);
    }
    delivery.status = 'retrying';
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }
}

function orderDeliveries(held: Delivery[], order: ReleaseOrder): Delivery[] {
  if (order === 'original') return held;
  if (order === 'reverse') return [...held].reverse();
  if (order === 'shuffle') {
    const copy = [...held];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }
  // Explicit event ids first (each id takes all its held deliveries), then the rest in original order.
  const first = order.flatMap((id) => held.filter((d) => d.eventId === id));
  return [...first, ...held.filter((d) => !first.includes(d))];
}
