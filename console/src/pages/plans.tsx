import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { idempotencyKey, must } from '../api';
import { formatDate, formatMoney, formatQuantity, formatUnitPrice, METER_NAMES, MODEL_NAMES } from '../format';
import { prorate } from '../proration';
import { ConfirmAction, type PageContext, Section, Show, useLoad } from '../ui';

/**
 * The catalog in the org's currency and every subscription change, each stating what it will do before
 * it is sent: when it takes effect (now or at the period end) and the proration it causes. The amounts
 * shown beforehand are estimates from the API's clock (`as_of`) with the API's rule (the exact fraction
 * of the month left, rounded once, half away from zero); the confirmed answer lists the real lines.
 */
async function loadPlans({ api, caps, session }: PageContext) {
  const path = { org: session.orgId };
  const [plans, subscription, status, methods] = await Promise.all([
    must(api.GET('/v1/plans')),
    must(api.GET('/v1/orgs/{org}/subscription', { params: { path } })),
    must(api.GET('/v1/orgs/{org}/billing-status', { params: { path } })),
    caps.can('listPaymentMethods')
      ? must(api.GET('/v1/orgs/{org}/payment-methods', { params: { path } }))
      : Promise.resolve(undefined),
  ]);
  return { plans: [...plans.data].sort((a, b) => a.tier_rank - b.tier_rank), subscription, status, methods };
}
type Loaded = Awaited<ReturnType<typeof loadPlans>>;
type Plan = Loaded['plans'][number];
type Change = { description: string; amount_minor: number; currency: string; kind: string };

function feeOf(plan: Plan | undefined, currency: string, model: string): number {
  if (!plan || model !== 'flat') return 0;
  return plan.prices[currency]?.flat_fee.amount_minor ?? 0;
}

/** The outcome of a change: what was done (one sentence), then the lines the API will invoice. */
function adjustmentsInWords(what: string, adjustments: Change[]) {
  if (!adjustments.length) return `${what} Nothing is charged or credited for this change.`;
  return (
    <>
      {what} On the next invoice:
      <ul>
        {adjustments.map((a) => (
          <li key={a.description}>
            {a.description}: {formatMoney(a.amount_minor, a.currency)}
          </li>
        ))}
      </ul>
    </>
  );
}

export function PlansPage(ctx: PageContext) {
  const loaded = useLoad(() => loadPlans(ctx), [ctx.session.orgId]);
  // The outcome of the last change, kept above the reloaded page (the button that made it may be gone).
  const [outcome, setOutcome] = useState<ComponentChildren>();
  return (
    <>
      {outcome ? (
        <div class="notice notice-ok" role="status" data-testid="plan-outcome">
          {outcome}
        </div>
      ) : null}
      <Show loaded={loaded} what="plans">
        {(d) => <Plans ctx={ctx} d={d} reload={loaded.reload} announce={setOutcome} />}
      </Show>
    </>
  );
}

function Plans({
  ctx,
  d,
  reload,
  announce,
}: {
  ctx: PageContext;
  d: Loaded;
  reload(): void;
  announce(outcome: ComponentChildren): void;
}) {
  const { api, caps, session } = ctx;
  const path = { org: session.orgId };
  const sub = d.subscription;
  const currency = sub.currency;
  const active = sub.status === 'active';
  const current = d.plans.find((p) => p.id === sub.plan_id);
  const now = sub.usage_summary.as_of;
  const period = sub.current_period;
  // The last day of the half-open period [start, end).
  const periodEnd = formatDate(new Date(Date.parse(period.end) - 1).toISOString());
  const frozen = !d.status.new_spend_allowed;
  const hasCard = d.methods?.data.some((m) => m.is_default) ?? true;
  const mayChange = caps.can('changeSubscription');
  const maySubscribe = caps.can('createSubscription');
  const oldFee = feeOf(current, currency, sub.billing_model);
  const purchaseBlockers = (
    <>
      {frozen ? (
        <p class="notice notice-error">Billing is frozen: this purchase will be refused until it is lifted.</p>
      ) : null}
      {hasCard ? null : (
        <p class="notice notice-error">
          A paid plan needs a default card: <a href="#/payment-methods">add one</a> first.
        </p>
      )}
    </>
  );

  const change =
    (
      what: string,
      body: { plan_id?: string; billing_model?: Plan['default_billing_model']; cancel_at_period_end?: false },
    ) =>
    async () => {
      const res = await must(
        api.PATCH('/v1/orgs/{org}/subscription', {
          params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
          body,
        }),
      );
      return adjustmentsInWords(what, res.adjustments);
    };

  const planAction = (plan: Plan) => {
    const price = plan.prices[currency];
    if (!plan.self_serve) return <p class="muted">Sold through an enterprise contract: talk to sales.</p>;
    if (!price) return <p class="muted">Not offered in {currency}.</p>;
    const model = plan.default_billing_model;
    const newFee = feeOf(plan, currency, model);
    if (!active) {
      if (!maySubscribe || plan.billing_models.includes('free')) return null;
      const first = prorate(newFee, now);
      return (
        <ConfirmAction
          label={`Subscribe to ${plan.name}`}
          confirmLabel={`Subscribe to ${plan.name}`}
          consequences={
            <>
              <p>
                <strong>Starts now</strong>, billed in {currency} ({MODEL_NAMES[model]}).
                {newFee
                  ? ` This first, short period costs ${formatMoney(first, currency)} (the ${formatMoney(newFee, currency)} monthly fee pro rata to ${periodEnd}); then ${formatMoney(newFee, currency)} a month.`
                  : ' Usage is billed as it is used; there is no monthly fee.'}
              </p>
              {plan.id === 'free' ? null : purchaseBlockers}
            </>
          }
          run={async () => {
            const res = await must(
              api.POST('/v1/orgs/{org}/subscription', {
                params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
                body: { plan_id: plan.id, currency, billing_model: model },
              }),
            );
            return adjustmentsInWords(`Subscribed to ${plan.name}.`, res.adjustments);
          }}
          onDone={reload}
          announce={announce}
        />
      );
    }
    if (plan.id === sub.plan_id || !mayChange) return null;
    const upgrade = plan.tier_rank > (current?.tier_rank ?? 0);
    if (upgrade) {
      const credit = prorate(oldFee, now);
      const charge = prorate(newFee, now);
      return (
        <ConfirmAction
          label={`Upgrade to ${plan.name}`}
          confirmLabel={`Upgrade to ${plan.name} now`}
          consequences={
            <>
              <p>
                <strong>Upgrade, effective now.</strong> Usage from now on is priced under {plan.name}; usage so far
                stays under {sub.plan_name}.
              </p>
              <ul>
                {credit ? (
                  <li>
                    Credit for the unused part of {sub.plan_name}: about −{formatMoney(credit, currency)}
                  </li>
                ) : null}
                {charge ? (
                  <li>
                    {plan.name} pro rata to {periodEnd}: about {formatMoney(charge, currency)}
                  </li>
                ) : null}
                <li>
                  Both on the next invoice; net about {formatMoney(charge - credit, currency)}. From the next period:{' '}
                  {newFee ? `${formatMoney(newFee, currency)} a month` : 'usage only'}.
                </li>
              </ul>
              {purchaseBlockers}
            </>
          }
          run={change(`Upgraded to ${plan.name}.`, { plan_id: plan.id, billing_model: model })}
          onDone={reload}
          announce={announce}
        />
      );
    }
    return (
      <ConfirmAction
        label={`Downgrade to ${plan.name}`}
        confirmLabel={`Schedule the downgrade to ${plan.name}`}
        consequences={
          <p>
            <strong>Downgrade at the period end ({periodEnd}).</strong> You keep {sub.plan_name} until then; nothing is
            charged or credited now. You can withdraw it until then.
          </p>
        }
        run={change(`Downgrade to ${plan.name} scheduled for ${periodEnd}.`, {
          plan_id: plan.id,
          billing_model: model,
        })}
        onDone={reload}
        announce={announce}
      />
    );
  };

  const pendingDowngrade = sub.pending_changes.find((c) => c.type === 'downgrade');
  const pendingCurrency = sub.pending_changes.find((c) => c.type === 'currency_switch');
  const otherModels = (current?.billing_models ?? []).filter(
    (m) => m !== sub.billing_model && (m !== 'metered' || current?.prices[currency]?.metered?.length),
  );

  return (
    <>
      <Section title="Your subscription" id="subscription">
        <p data-testid="current-plan">
          {active ? (
            <>
              <strong>{sub.plan_name}</strong>, {MODEL_NAMES[sub.billing_model]}, billed in {currency}
              {oldFee ? ` (${formatMoney(oldFee, currency)} a month)` : ''}. Current period ends {periodEnd}.
            </>
          ) : (
            <>
              No paid subscription: usage is rated under the <strong>{sub.plan_name}</strong> tier, in {currency}.
            </>
          )}
        </p>
        {sub.cancel_at_period_end && sub.cancel_at ? (
          <p class="notice">Cancels on {formatDate(sub.cancel_at)}; then the free tier.</p>
        ) : null}
        {pendingDowngrade && pendingDowngrade.type === 'downgrade' ? (
          <div class="notice">
            Scheduled: moves to{' '}
            {d.plans.find((p) => p.id === pendingDowngrade.plan_id)?.name ?? pendingDowngrade.plan_id} on{' '}
            {formatDate(pendingDowngrade.effective_at)}.
            {mayChange ? (
              <ConfirmAction
                label="Withdraw the downgrade"
                confirmLabel="Keep the current plan"
                consequences={
                  <p>
                    You stay on {sub.plan_name} after {periodEnd}. Nothing is charged.
                  </p>
                }
                run={change('Downgrade withdrawn.', { plan_id: sub.plan_id, billing_model: sub.billing_model })}
                onDone={reload}
                announce={announce}
              />
            ) : null}
          </div>
        ) : null}
        {pendingCurrency && pendingCurrency.type === 'currency_switch' ? (
          <p class="notice">
            Billing switches to {pendingCurrency.currency} on {formatDate(pendingCurrency.effective_at)}.
          </p>
        ) : null}
        {active && mayChange ? (
          <div class="action-row">
            {otherModels.map((m) => {
              const newFee = feeOf(current, currency, m);
              const credit = prorate(oldFee, now);
              const charge = prorate(newFee, now);
              return (
                <ConfirmAction
                  key={m}
                  label={`Switch to ${MODEL_NAMES[m]}`}
                  confirmLabel={`Switch to ${MODEL_NAMES[m]} now`}
                  consequences={
                    <>
                      <p>
                        <strong>Takes effect now.</strong> Usage counted so far stays under{' '}
                        {MODEL_NAMES[sub.billing_model]}.
                      </p>
                      <ul>
                        {credit ? (
                          <li>Credit for the unused flat fee: about −{formatMoney(credit, currency)}</li>
                        ) : null}
                        {charge ? (
                          <li>
                            Flat fee pro rata to {periodEnd}: about {formatMoney(charge, currency)}
                          </li>
                        ) : null}
                        {m === 'metered' ? <li>From now on, usage is billed at the metered prices below.</li> : null}
                      </ul>
                      {charge > credit ? purchaseBlockers : null}
                    </>
                  }
                  run={change(`Switched to ${MODEL_NAMES[m]}.`, { billing_model: m })}
                  onDone={reload}
                  announce={announce}
                />
              );
            })}
            {sub.cancel_at_period_end ? (
              <ConfirmAction
                label="Reactivate"
                confirmLabel="Keep the subscription"
                consequences={
                  <p>
                    The cancellation is withdrawn; {sub.plan_name} continues after {periodEnd}. Nothing is charged now.
                  </p>
                }
                run={change('Reactivated.', { cancel_at_period_end: false })}
                onDone={reload}
                announce={announce}
              />
            ) : (
              <>
                <ConfirmAction
                  label="Cancel at period end"
                  confirmLabel="Cancel at the period end"
                  danger
                  consequences={
                    <p>
                      {sub.plan_name} stays until {periodEnd}, then the organization moves to the free tier. You can
                      reactivate until then. Nothing is credited.
                    </p>
                  }
                  run={async () => {
                    await must(
                      api.POST('/v1/orgs/{org}/subscription/cancel', {
                        params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
                        body: { at_period_end: true },
                      }),
                    );
                    return `Cancels on ${periodEnd}.`;
                  }}
                  onDone={reload}
                  announce={announce}
                />
                <ConfirmAction
                  label="Cancel now"
                  confirmLabel="Cancel immediately"
                  danger
                  consequences={
                    <p>
                      <strong>Ends now</strong>: usage from this moment is rated under the free tier.
                      {oldFee
                        ? ` The unused part of this month's fee, about ${formatMoney(prorate(oldFee, now), currency)}, is credited on the next invoice.`
                        : ''}
                    </p>
                  }
                  run={async () => {
                    const res = await must(
                      api.POST('/v1/orgs/{org}/subscription/cancel', {
                        params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
                        body: { at_period_end: false },
                      }),
                    );
                    return adjustmentsInWords('Canceled.', res.adjustments);
                  }}
                  onDone={reload}
                  announce={announce}
                />
              </>
            )}
          </div>
        ) : null}
        {active && caps.can('switchCurrency') && current ? (
          <CurrencySwitch
            ctx={ctx}
            plan={current}
            currency={currency}
            periodEnd={periodEnd}
            onDone={reload}
            announce={announce}
          />
        ) : null}
      </Section>
      <Section title={`Plans, in ${currency}`} id="catalog">
        <ul class="plans">
          {d.plans.map((plan) => (
            <li key={plan.id} class={plan.id === sub.plan_id ? 'plan current' : 'plan'} data-plan={plan.id}>
              <PlanCard plan={plan} currency={currency} current={plan.id === sub.plan_id} />
              {planAction(plan)}
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}

function PlanCard({ plan, currency, current }: { plan: Plan; currency: string; current: boolean }) {
  const price = plan.prices[currency];
  const included = Object.entries(plan.included_usage).filter(([, v]) => v);
  return (
    <>
      <h3>
        {plan.name} {current ? <span class="badge">Current plan</span> : null}
      </h3>
      <p class="muted">{plan.description}</p>
      {price ? (
        <p class="price" data-testid={`price-${plan.id}`}>
          {plan.billing_models
            .map((m) =>
              m === 'flat'
                ? `${formatMoney(price.flat_fee.amount_minor, currency)} / month flat`
                : m === 'metered'
                  ? 'metered: pay for what you use'
                  : (MODEL_NAMES[m] ?? m),
            )
            .join(', or ')}
        </p>
      ) : null}
      {included.length ? (
        <p>
          Included each month:{' '}
          {included.map(([k, v]) => `${formatQuantity(v as number)} ${k.replace(/_/g, ' ')}`).join(', ')}
        </p>
      ) : null}
      {price?.metered?.length ? (
        <details>
          <summary>Metered prices</summary>
          <ul class="metered">
            {price.metered.map((m) => (
              <li key={`${m.meter}-${m.model ?? ''}`}>
                {METER_NAMES[m.meter] ?? m.meter}
                {m.model ? ` (${m.model})` : ''}:{' '}
                {m.unit === 'token'
                  ? `${formatUnitPrice(m.unit_amount_decimal, currency)} per million tokens`
                  : `${formatUnitPrice(m.unit_amount_decimal, currency, 1)} per ${m.unit}`}
                {m.tiers?.length ? ', volume tiers apply' : ''}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function CurrencySwitch({
  ctx,
  plan,
  currency,
  periodEnd,
  onDone,
  announce,
}: {
  ctx: PageContext;
  plan: Plan;
  currency: string;
  periodEnd: string;
  onDone(): void;
  announce(outcome: ComponentChildren): void;
}) {
  const options = plan.currencies.filter((c) => c !== currency);
  const [target, setTarget] = useState(options[0] ?? '');
  if (!options.length) return null;
  return (
    <div class="currency-switch">
      <label for="currency-target">
        Settlement currency from the next period
        <select id="currency-target" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
          {options.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <ConfirmAction
        label={`Switch billing to ${target}`}
        confirmLabel={`Bill in ${target} from the next period`}
        consequences={
          <p>
            This period stays in {currency} (a period is billed in one currency); from the period after {periodEnd},
            prices and invoices are in {target}. Nothing is charged now.
          </p>
        }
        run={async () => {
          await must(
            ctx.api.POST('/v1/orgs/{org}/subscription/currency', {
              params: { path: { org: ctx.session.orgId }, header: { 'Idempotency-Key': idempotencyKey() } },
              body: { currency: target },
            }),
          );
          return `Billing switches to ${target} at the next period.`;
        }}
        onDone={onDone}
        announce={announce}
      />
    </div>
  );
}
