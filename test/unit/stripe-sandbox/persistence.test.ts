import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StripeSandbox, startStripeSandbox } from '../../../scripts/stripe-sandbox';
import { API_KEY, customerWithCard, sdkFor, WEBHOOK_SECRET } from './harness';

/** The sandbox without a webhook endpoint (events are recorded only), on a state file. */
const start = (stateFile: string) =>
  startStripeSandbox({ port: 0, host: '127.0.0.1', webhookSecret: WEBHOOK_SECRET, apiKey: API_KEY, stateFile });

describe('Stripe sandbox: the state file keeps the account across restarts', () => {
  let dir: string;
  let file: string;
  let sandbox: StripeSandbox | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stripe-sandbox-state-'));
    file = join(dir, 'nested', 'state.json');
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a customer, its saved card, its events and idempotency keys survive a restart', async () => {
    sandbox = await start(file);
    const first = sdkFor(sandbox);
    const { customer, pm } = await customerWithCard(first);
    const key = 'idem-persist-1';
    const made = await first.customers.create({ name: 'Keyed' }, { idempotencyKey: key });
    const eventIds = (await first.events.list({ limit: 100 })).data.map((e) => e.id);
    expect(eventIds.length).toBeGreaterThan(0);
    await sandbox.close();
    sandbox = undefined;
    expect(existsSync(file)).toBe(true);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']); // no temporary file left behind

    sandbox = await start(file);
    const second = sdkFor(sandbox);
    const back = await second.customers.retrieve(customer.id);
    expect(back).toMatchObject({
      id: customer.id,
      metadata: { org_id: 'org_1' },
      invoice_settings: { default_payment_method: pm.id },
    });
    expect(await second.paymentMethods.retrieve(pm.id)).toMatchObject({
      customer: customer.id,
      card: { brand: 'visa', last4: '4242' },
    });
    expect((await second.customers.listPaymentMethods(customer.id)).data.map((p) => p.id)).toEqual([pm.id]);
    expect((await second.events.list({ limit: 100 })).data.map((e) => e.id)).toEqual(eventIds);
    expect((await second.events.retrieve(eventIds[0]!)).id).toBe(eventIds[0]);

    // The same key and parameters: the stored answer, not a second customer.
    const replay = await second.customers.create({ name: 'Keyed' }, { idempotencyKey: key });
    expect(replay.id).toBe(made.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    const named = (await second.customers.list({ limit: 100 })).data.filter((c) => c.name === 'Keyed');
    expect(named).toHaveLength(1);

    // The restored account keeps working: the saved card pays.
    const pi = await second.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      off_session: true,
      confirm: true,
    });
    expect(pi.status).toBe('succeeded');
  });

  it('saves shortly after a change, before close (debounced), and control changes too', async () => {
    sandbox = await start(file);
    const stripe = sdkFor(sandbox);
    const customer = await stripe.customers.create({ name: 'Soon' });
    sandbox.control.advanceClock(3_600_000);
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes(customer.id));
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; clockOffsetMs: number };
    expect(saved.version).toBe(1);
    await waitFor(() => (JSON.parse(readFileSync(file, 'utf8')) as typeof saved).clockOffsetMs >= 3_600_000);
    const before = sandbox.control.now().getTime();
    await sandbox.close();
    sandbox = await start(file);
    // The clock's offset is kept, so new objects are not older than restored ones.
    expect(sandbox.control.now().getTime()).toBeGreaterThanOrEqual(before);
  });

  it('a corrupt state file fails the start with a clear message', async () => {
    writeFileSync(file.replace('nested/', ''), '{"version": 1, "customers": [');
    await expect(start(file.replace('nested/', ''))).rejects.toThrow(
      /Stripe sandbox state file .*state\.json is unusable \(not valid JSON.*delete it/,
    );
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ version: 7 }));
    await expect(start(join(dir, 'old.json'))).rejects.toThrow(/unknown version 7/);
  });

  it('a missing state file starts empty, and no change writes nothing', async () => {
    sandbox = await start(file);
    expect((await sdkFor(sandbox).customers.list()).data).toEqual([]);
    await sandbox.close();
    sandbox = undefined;
    expect(existsSync(file)).toBe(false); // nothing changed, nothing saved
  });
});

async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the state file');
    await new Promise((r) => setTimeout(r, 10));
  }
}
