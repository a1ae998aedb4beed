/** One audit entry per billing change: who, what, before/after, when, and the request that did it. */
export interface AuditEntry {
  readonly id: string;
  readonly orgId: string;
  readonly at: string;
  readonly actor: Actor;
  /** Dotted verb, e.g. `org.provisioned`, `subscription.upgraded`. */
  readonly action: string;
  /** What was changed, e.g. `{ type: 'subscription', id: 'sub_…' }`. */
  readonly target: { readonly type: string; readonly id: string };
  readonly before: unknown;
  readonly after: unknown;
  readonly requestId?: string;
}

/** Who did it: a person/service from a token, or the system itself (schedules, webhooks). */
export interface Actor {
  readonly type: 'user' | 'service' | 'system';
  readonly id: string;
  readonly role?: string;
}

export const systemActor = (id: string): Actor => ({ type: 'system', id });
