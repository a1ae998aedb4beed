import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SECRET_MAX_AGE_SECONDS, secretReader } from '../../../functions/kernel/secrets/secrets-manager';

/** A Secrets Manager that answers from memory (an SDK middleware: no network), counting the calls. */
function fakeSecretsManager(initial: string) {
  const state = { value: initial, calls: 0 };
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client.middlewareStack.add(
    (() => async () => {
      state.calls += 1;
      return { output: { SecretString: state.value, $metadata: {} }, response: {} };
    }) as never,
    { step: 'initialize', name: 'fakeSecretsManager' },
  );
  return { client, state };
}

describe('reading a secret', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-30T12:00:00.000Z'), doNotFake: ['nextTick', 'setImmediate'] });
  });
  afterEach(() => jest.useRealTimers());

  it('serves a warm Lambda from its cache and picks up a rotated webhook secret within minutes', async () => {
    const { client, state } = fakeSecretsManager('whsec_old');
    const read = secretReader(client);
    expect(await read('billing/stripe-webhook-signing')).toBe('whsec_old');
    // The rotation: the new secret is added (both valid while Stripe switches over).
    state.value = 'whsec_new,whsec_old';
    jest.advanceTimersByTime(60_000);
    expect(await read('billing/stripe-webhook-signing')).toBe('whsec_old');
    expect(state.calls).toBe(1);
    jest.advanceTimersByTime(SECRET_MAX_AGE_SECONDS * 1000);
    expect(await read('billing/stripe-webhook-signing')).toBe('whsec_new,whsec_old');
    expect(state.calls).toBe(2);
    expect(SECRET_MAX_AGE_SECONDS).toBeLessThanOrEqual(600);
  });

  it('refuses a secret without a string value', async () => {
    const { client } = fakeSecretsManager('');
    await expect(secretReader(client)('billing/empty')).rejects.toThrow(/SecretString/);
  });
});
