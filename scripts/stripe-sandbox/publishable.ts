import type { StripeErrorBody } from './errors';
import type { FormObject } from './form';
import type { Store } from './store';

/**
 * What Stripe.js does from a browser: it calls Stripe's API with the account's **publishable** key
 * (`pk_test_…`, sent as the `key` form field of a simple CORS request, no Authorization header) and
 * the intent's `client_secret`, which together allow exactly the calls a front end needs — here,
 * confirming (or reading) the SetupIntent the server created. Anything else with a publishable key is
 * refused, as at Stripe. Lets the billing console save a card in the sandbox the way Stripe Elements
 * would, without ever holding the secret key.
 */
const SETUP_INTENT_PATH = /^\/v1\/setup_intents\/(seti_[A-Za-z0-9]+)(\/confirm)?$/;

/** The publishable key that pairs with a pinned secret key (`sk_test_X` → `pk_test_X`); any `pk_test_` otherwise. */
export function publishableKeyFor(apiKey: string | undefined): string | undefined {
  return apiKey?.startsWith('sk_test_') ? `pk_test_${apiKey.slice('sk_test_'.length)}` : undefined;
}

export function authorizePublishable(
  method: string,
  path: string,
  raw: FormObject,
  store: Store,
  apiKey: string | undefined,
): { status: number; body: StripeErrorBody } | undefined {
  const key = typeof raw.key === 'string' ? raw.key : undefined;
  if (!key) {
    return {
      status: 401,
      body: {
        type: 'invalid_request_error',
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      },
    };
  }
  const pinned = publishableKeyFor(apiKey);
  if (!(pinned ? key === pinned : key.startsWith('pk_test_'))) {
    return {
      status: 401,
      body: { type: 'invalid_request_error', code: 'api_key_invalid', message: 'Invalid API Key provided.' },
    };
  }
  const match = SETUP_INTENT_PATH.exec(path);
  const allowed = match && ((method === 'POST' && match[2]) || (method === 'GET' && !match[2]));
  if (!allowed) {
    return {
      status: 401,
      body: {
        type: 'invalid_request_error',
        message:
          'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
      },
    };
  }
  const intent = store.setupIntents.get(match[1]!);
  if (!intent || raw.client_secret !== intent.client_secret) {
    return {
      status: 400,
      body: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'client_secret',
        message: `No such setupintent: '${match[1]}'; the client_secret does not match this SetupIntent.`,
      },
    };
  }
  return undefined;
}

/** Stripe's API answers browsers (Stripe.js) from any origin; the publishable-key rules above are the guard. */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, idempotency-key, stripe-version',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-max-age': '600',
};
