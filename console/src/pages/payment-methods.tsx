import { useEffect, useRef, useState } from 'preact/hooks';
import { idempotencyKey, must } from '../api';
import { ConfirmAction, ErrorNotice, type PageContext, Section, Show, until, useLoad } from '../ui';

/**
 * Cards through Stripe only: the API hands out a SetupIntent, the browser confirms it with Stripe
 * (Stripe Elements with a publishable key; locally, the sandbox with a test card, exactly the call
 * Stripe.js makes), and the list is the API's webhook-fed mirror, so a new card appears once Stripe's
 * event has been reconciled.
 */
const TEST_CARDS = [
  { id: 'pm_card_visa', label: 'Visa 4242 — succeeds' },
  { id: 'pm_card_mastercard', label: 'Mastercard 4444 — succeeds' },
  { id: 'pm_card_amex', label: 'American Express 8431 — succeeds' },
  { id: 'pm_card_chargeDeclined', label: 'Visa 0002 — saves, then every charge is declined' },
  { id: 'pm_card_chargeDeclinedInsufficientFunds', label: 'Visa 9995 — saves, then insufficient funds' },
  { id: 'pm_card_createDispute', label: 'Visa 0259 — pays, then the payment is disputed' },
];

export function PaymentMethodsPage(ctx: PageContext) {
  const { api, caps, session } = ctx;
  const path = { org: session.orgId };
  const loaded = useLoad(() => must(api.GET('/v1/orgs/{org}/payment-methods', { params: { path } })), [session.orgId]);
  return (
    <>
      <Section title="Payment methods" id="payment-methods">
        <Show loaded={loaded} what="payment methods">
          {(list) =>
            list.data.length ? (
              <div class="table-wrap">
                <table data-testid="payment-methods-table">
                  <caption>Cards on file</caption>
                  <thead>
                    <tr>
                      <th scope="col">Card</th>
                      <th scope="col">Expires</th>
                      <th scope="col">Default</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.map((m) => {
                      const name = `${(m.brand ?? m.type).toUpperCase()} •••• ${m.last4 ?? '????'}`;
                      return (
                        <tr key={m.id} data-pm={m.id}>
                          <th scope="row">{name}</th>
                          <td>
                            {m.exp_month && m.exp_year ? `${String(m.exp_month).padStart(2, '0')}/${m.exp_year}` : '—'}
                          </td>
                          <td>{m.is_default ? <span class="badge">Default</span> : 'No'}</td>
                          <td>
                            <div class="action-row">
                              {!m.is_default && caps.can('setDefaultPaymentMethod') ? (
                                <ConfirmAction
                                  label={`Make ${name} the default`}
                                  confirmLabel="Make default"
                                  consequences={<p>Invoices are charged to {name} from now on.</p>}
                                  run={async () => {
                                    await must(
                                      api.POST('/v1/orgs/{org}/payment-methods/{id}/default', {
                                        params: {
                                          path: { ...path, id: m.id },
                                          header: { 'Idempotency-Key': idempotencyKey() },
                                        },
                                      }),
                                    );
                                    await until(async () => {
                                      const now = await must(
                                        api.GET('/v1/orgs/{org}/payment-methods', { params: { path } }),
                                      );
                                      return now.data.find((x) => x.id === m.id)?.is_default ? true : undefined;
                                    });
                                    return `${name} is the default.`;
                                  }}
                                  onDone={loaded.reload}
                                />
                              ) : null}
                              {caps.can('removePaymentMethod') ? (
                                <ConfirmAction
                                  label={`Remove ${name}`}
                                  confirmLabel="Remove the card"
                                  danger
                                  consequences={
                                    <p>
                                      The card is detached at Stripe and can no longer be charged.
                                      {m.is_default
                                        ? ' It is the default: make another card the default first, or invoices have nothing to charge.'
                                        : ''}
                                    </p>
                                  }
                                  run={async () => {
                                    await must(
                                      api.DELETE('/v1/orgs/{org}/payment-methods/{id}', {
                                        params: {
                                          path: { ...path, id: m.id },
                                          header: { 'Idempotency-Key': idempotencyKey() },
                                        },
                                      }),
                                    );
                                    await until(async () => {
                                      const now = await must(
                                        api.GET('/v1/orgs/{org}/payment-methods', { params: { path } }),
                                      );
                                      return now.data.some((x) => x.id === m.id) ? undefined : true;
                                    });
                                    return `${name} was removed.`;
                                  }}
                                  onDone={loaded.reload}
                                />
                              ) : null}
                            </div>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ) : (
              <p data-testid="no-cards">No card on file yet. Paid plans need a default card.</p>
            )
          }
        </Show>
      </Section>
      {caps.can('createSetupIntent') ? (
        <AddCard ctx={ctx} known={loaded.data?.data.map((m) => m.id) ?? []} onAdded={loaded.reload} />
      ) : null}
    </>
  );
}

/** The API's SetupIntent, then the confirmation at Stripe, then wait for the mirror to list the new card. */
function AddCard({ ctx, known, onAdded }: { ctx: PageContext; known: string[]; onAdded(): void }) {
  const { api, config, session } = ctx;
  const path = { org: session.orgId };
  // An empty key (the AWS stack's default) means no card can be added here.
  const stripe = config.stripe?.publishableKey ? config.stripe : undefined;
  const [card, setCard] = useState(TEST_CARDS[0]!.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const elements = useRef<StripeElementsHandle | undefined>(undefined);
  const mount = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!stripe || stripe.sandboxUrl || !mount.current) return;
    let cancelled = false;
    loadStripeElements(stripe.publishableKey).then(
      (handle) => {
        if (cancelled) return;
        elements.current = handle;
        handle.card.mount(mount.current!);
      },
      (e: unknown) => setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [stripe?.publishableKey]);

  if (!stripe) {
    return (
      <Section title="Add a card" id="add-card">
        <p class="muted">No Stripe publishable key is configured for this console, so cards cannot be added here.</p>
      </Section>
    );
  }

  const save = async () => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const intent = await must(
        api.POST('/v1/orgs/{org}/payment-methods/setup-intents', {
          params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
        }),
      );
      if (stripe.sandboxUrl) await confirmInSandbox(stripe.sandboxUrl, stripe.publishableKey, intent, card);
      else await elements.current!.confirm(intent.client_secret);
      const added = await until(async () => {
        const list = await must(api.GET('/v1/orgs/{org}/payment-methods', { params: { path } }));
        return list.data.find((m) => !known.includes(m.id));
      });
      setDone(`Saved ${(added.brand ?? 'card').toUpperCase()} •••• ${added.last4 ?? ''}.`);
      onAdded();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Add a card" id="add-card">
      {stripe.sandboxUrl ? (
        <fieldset class="test-cards">
          <legend>Stripe sandbox: pick a test card (no real card data is involved)</legend>
          {TEST_CARDS.map((c) => (
            <label key={c.id} class="radio">
              <input
                type="radio"
                name="test-card"
                value={c.id}
                checked={card === c.id}
                onChange={() => setCard(c.id)}
              />{' '}
              {c.label}
            </label>
          ))}
        </fieldset>
      ) : (
        <fieldset>
          <legend>Card details (entered into Stripe's own field)</legend>
          <div class="card-element" ref={mount} />
        </fieldset>
      )}
      <div class="buttons">
        <button type="button" class="primary" disabled={busy} onClick={save}>
          {busy ? 'Saving…' : 'Save card'}
        </button>
      </div>
      {error ? <ErrorNotice error={error} title="The card was not saved" /> : null}
      {done ? (
        <p class="notice notice-ok" role="status">
          {done}
        </p>
      ) : null}
    </Section>
  );
}

/**
 * What Stripe.js's `confirmCardSetup` sends: a form POST with the publishable key and the intent's
 * client secret — a simple CORS request, no secret key anywhere near the browser.
 */
async function confirmInSandbox(
  sandboxUrl: string,
  publishableKey: string,
  intent: { id: string; client_secret: string },
  paymentMethod: string,
): Promise<void> {
  const res = await fetch(`${sandboxUrl}/v1/setup_intents/${encodeURIComponent(intent.id)}/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      key: publishableKey,
      client_secret: intent.client_secret,
      payment_method: paymentMethod,
    }),
  });
  const body = (await res.json()) as { status?: string; error?: { message?: string } };
  if (!res.ok || body.status !== 'succeeded') {
    throw new Error(body.error?.message ?? `Stripe left the setup ${body.status ?? `at ${res.status}`}`);
  }
}

interface StripeElementsHandle {
  card: { mount(el: HTMLElement): void };
  confirm(clientSecret: string): Promise<void>;
}
interface StripeJs {
  elements(): { create(kind: 'card'): { mount(el: HTMLElement): void } };
  confirmCardSetup(
    clientSecret: string,
    data: { payment_method: { card: unknown } },
  ): Promise<{ error?: { message?: string }; setupIntent?: { status: string } }>;
}

/** Stripe.js must be loaded from Stripe (PCI): a script tag, once. */
async function loadStripeElements(publishableKey: string): Promise<StripeElementsHandle> {
  const w = window as unknown as { Stripe?: (key: string) => StripeJs };
  if (!w.Stripe) {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = 'https://js.stripe.com/v3/';
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('Stripe.js could not be loaded'));
      document.head.append(script);
    });
  }
  const stripe = w.Stripe!(publishableKey);
  const card = stripe.elements().create('card');
  return {
    card,
    async confirm(clientSecret) {
      const { error, setupIntent } = await stripe.confirmCardSetup(clientSecret, { payment_method: { card } });
      if (error) throw new Error(error.message ?? 'Stripe declined the card');
      if (setupIntent?.status !== 'succeeded') throw new Error(`Stripe left the setup ${setupIntent?.status}`);
    },
  };
}
