import {
  addCard,
  call,
  chartData,
  isoDay,
  must,
  newOrg,
  openConsole,
  screenshot,
  sendUsage,
  series,
  startWorld,
  until,
  usd,
  type World,
} from './support';

/**
 * The billing console in a real browser (Debian's Chromium, headless) against `npm start`'s runtime.
 * Each test makes its own org and data through the public API, SQS and the Stripe sandbox, then checks
 * what the page renders — text, and the points each chart plotted (`data-chart`) — against what the
 * API answers. A screenshot of each page goes to console-results/.
 */
let world: World;
// Held outside the hook so afterAll stops the runtime even when starting it outlived beforeAll's timeout.
let starting: Promise<World> | undefined;

beforeAll(async () => {
  starting = startWorld();
  world = await starting;
}, 240_000);
afterAll(async () => {
  const started = await starting?.catch(() => undefined);
  await started?.stop();
}, 60_000);

const text = async (page: import('playwright-core').Page, testId: string) =>
  (await page.getByTestId(testId).innerText()).trim();

/** An org on Pro (metered) with a card, two budgets and usage today: what most pages need. */
async function meteredOrg(name: string) {
  const org = await newOrg(world, name);
  await addCard(world, org);
  await must(world, 'POST', `/v1/orgs/${org.id}/subscription`, org.tokens.owner, { plan_id: 'pro', currency: 'USD' });
  await must(world, 'PUT', `/v1/orgs/${org.id}/budgets`, org.tokens.owner, {
    budgets: [
      { name: 'Monthly cap', scope: { kind: 'org' }, amount_minor: 5_000, thresholds: [50, 80, 100], action: 'alert' },
      { name: 'Sonnet', scope: { kind: 'model', id: 'claude-sonnet-4' }, amount_minor: 800, action: 'alert' },
    ],
  });
  // Stamped after the subscription started (usage before it stays under the free tier's terms); the
  // API accepts events up to 5 minutes ahead.
  const now = Date.now() + 1000;
  await sendUsage(
    world,
    org,
    Array.from({ length: 12 }, (_v, i) => ({
      at: new Date(now + i * 100).toISOString(),
      model: i % 3 === 0 ? 'claude-opus-4' : 'claude-sonnet-4',
      input: 100_000,
      output: 20_000,
      agent: i % 2 ? 'agent_support' : 'agent_research',
    })),
  );
  return org;
}

describe('the billing console', () => {
  it("opens from the link npm start prints, signed in as the demo org's owner, with the spend chart", async () => {
    expect(world.link.startsWith(`${world.api}/console/#token=ey`)).toBe(true);
    const { context, page, errors, received } = await openConsole(world, world.link);
    await page.waitForSelector('[data-testid=org-name]');
    expect(await text(page, 'org-name')).toBe('Demo AI Co');
    expect(await text(page, 'org-id')).toBe('org_demo');
    expect(await text(page, 'role')).toBe('Owner');
    // The token left the address bar once read.
    expect(page.url()).not.toContain('token=');
    await page.waitForSelector('#burn-chart');
    const forecast = received.get('/v1/orgs/org_demo/usage/forecast');
    const burn = await chartData(page, 'burn-chart');
    const periodDays = Math.round((Date.parse(forecast.period.end) - Date.parse(forecast.period.start)) / 86_400_000);
    expect(burn.labels).toHaveLength(periodDays);
    expect(series(burn, 'Forecast').at(-1)).toBe(forecast.projected_minor);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('overview: shows the plan, period and status, and plots spend and the forecast against each budget as the API reports them', async () => {
    const org = await meteredOrg('Overview Co');
    const { context, page, errors, received } = await openConsole(world, org.tokens.owner);
    await page.waitForSelector('#burn-chart');
    const [sub, fresh] = await Promise.all([
      must(world, 'GET', `/v1/orgs/${org.id}/subscription`, org.tokens.owner),
      must(world, 'GET', `/v1/orgs/${org.id}/usage/forecast`, org.tokens.owner),
    ]);
    const forecast = received.get(`/v1/orgs/${org.id}/usage/forecast`);
    // The projection moves with the clock; what was spent does not.
    expect(forecast.spent_minor).toBe(fresh.spent_minor);
    expect(forecast.budgets.map((b: { limit_minor: number }) => b.limit_minor)).toEqual(
      fresh.budgets.map((b: { limit_minor: number }) => b.limit_minor),
    );
    expect(forecast.spent_minor).toBeGreaterThan(0);
    expect(await text(page, 'org-name')).toBe('Overview Co');
    expect(await text(page, 'plan')).toBe('Pro (metered)');
    expect(await text(page, 'billing-model')).toBe('Metered (pay as you go)');
    expect(await text(page, 'currency')).toBe('USD');
    expect(await text(page, 'billing-status')).toBe('In good standing');
    expect(await text(page, 'period')).toContain(new Date(sub.current_period.start).getUTCFullYear().toString());
    expect(await text(page, 'spent')).toBe(usd(forecast.spent_minor));
    expect(await text(page, 'forecast')).toBe(
      `${usd(forecast.projected_minor)} (likely ${usd(forecast.low_minor)} – ${usd(forecast.high_minor)})`,
    );

    const burn = await chartData(page, 'burn-chart');
    const today = forecast.as_of.slice(0, 10);
    const spent = series(burn, 'Spent (cumulative)');
    expect(spent[burn.labels.indexOf(today)]).toBe(forecast.spent_minor);
    expect(spent[burn.labels.indexOf(today) + 1] ?? null).toBeNull();
    expect(series(burn, 'Forecast').at(-1)).toBe(forecast.projected_minor);
    expect(series(burn, 'Forecast low').at(-1)).toBe(forecast.low_minor);
    expect(series(burn, 'Forecast high').at(-1)).toBe(forecast.high_minor);
    // The org budget is a line on the burn chart; every budget is a bar group of its own.
    expect(new Set(series(burn, 'Budget: Monthly cap'))).toEqual(new Set([5_000]));
    const budgets = await chartData(page, 'budget-chart');
    expect(budgets.labels).toEqual(['Monthly cap', 'Sonnet']);
    const byId = (id: string) => forecast.budgets.find((b: { budget_id: string }) => b.budget_id === id);
    const ids = forecast.budgets.map((b: { budget_id: string }) => b.budget_id);
    expect(series(budgets, 'Spent so far')).toEqual(ids.map((id: string) => byId(id).spent_minor));
    expect(series(budgets, 'Forecast at period end')).toEqual(ids.map((id: string) => byId(id).projected_minor));
    expect(series(budgets, 'Budget')).toEqual([5_000, 800]);
    const table = await page.getByTestId('budgets-table').innerText();
    expect(table).toContain('Monthly cap');
    expect(table).toContain(usd(5_000));
    expect(await page.getByTestId('freeze-panel').count()).toBe(0);
    expect(errors).toEqual([]);
    await screenshot(page, 'overview');
    await context.close();
  });

  it('usage: stacks quantities and spend by model per day, lists them in a table and downloads the API’s CSV', async () => {
    const org = await meteredOrg('Usage Co');
    // Earlier days too (before the subscription, so they carry quantities under the free tier).
    await sendUsage(world, org, [
      { at: `${isoDay(-2)}T10:00:00.000Z`, model: 'claude-haiku-4', input: 7_000, output: 700 },
      { at: `${isoDay(-2)}T11:00:00.000Z`, model: 'claude-sonnet-4', input: 3_000, output: 300 },
      { at: `${isoDay(-1)}T09:30:00.000Z`, model: 'claude-haiku-4', input: 5_000, output: 500 },
    ]);
    const from = isoDay(-3);
    const to = isoDay(1);
    const { context, page, errors } = await openConsole(
      world,
      org.tokens.developer,
      `usage?from=${from}&to=${to}&measure=llm_input_tokens&group=model&window=day`,
    );
    await page.waitForSelector('#usage-chart');
    const report = await must(
      world,
      'GET',
      `/v1/orgs/${org.id}/usage/report?from=${from}&to=${to}&group_by=meter,model,day`,
      org.tokens.developer,
    );
    const quantity = (model: string, d: string) =>
      report.rows
        .filter((r: any) => r.meter === 'llm_input_tokens' && r.model === model && r.day === d)
        .reduce((s: number, r: any) => s + r.quantity, 0);
    const chart = await chartData(page, 'usage-chart');
    expect(chart.labels).toEqual([isoDay(-3), isoDay(-2), isoDay(-1), isoDay(0)]);
    expect(chart.series.map((s) => s.label).sort()).toEqual(['claude-haiku-4', 'claude-opus-4', 'claude-sonnet-4']);
    for (const model of ['claude-haiku-4', 'claude-opus-4', 'claude-sonnet-4']) {
      expect(series(chart, model)).toEqual(chart.labels.map((d) => quantity(model, d)));
    }
    expect(series(chart, 'claude-haiku-4')).toEqual([0, 7_000, 5_000, 0]);
    const table = await page.getByTestId('usage-table').innerText();
    expect(table).toContain('7,000');
    // The hourly window waits for the API to offer it.
    const hourOffered = await page.locator('#usage-window option[value=hour]').isDisabled();
    const openapi = (await (await fetch(`${world.api}/v1/openapi.json`)).json()) as any;
    const costsParams = openapi.paths['/v1/orgs/{org}/costs'].get.parameters.map((p: { name: string }) => p.name);
    expect(hourOffered).toBe(!costsParams.includes('window'));
    await screenshot(page, 'usage-quantities');
    if (!hourOffered) {
      // The API serves `window=hour`: the page plots the hours of today as the API counts them.
      await page.goto(
        `${world.api}/console/#/usage?from=${isoDay(0)}&to=${isoDay(1)}&measure=llm_input_tokens&group=model&window=hour`,
      );
      await page.waitForFunction("document.querySelector('#usage-result h2')?.textContent?.includes('by hour')");
      await page.waitForSelector('#usage-chart');
      const hourly = await chartData(page, 'usage-chart');
      expect(hourly.labels).toHaveLength(24);
      const byHour = await must(
        world,
        'GET',
        `/v1/orgs/${org.id}/usage/report?from=${isoDay(0)}&to=${isoDay(1)}&group_by=meter,model&window=hour`,
        org.tokens.developer,
      );
      const plotted = hourly.series.reduce((sum, s) => sum + s.data.reduce((a: number, b: number) => a + b, 0), 0);
      const counted = byHour.rows
        .filter((r: any) => r.meter === 'llm_input_tokens')
        .reduce((sum: number, r: any) => sum + r.quantity, 0);
      expect(plotted).toBe(counted);
      await screenshot(page, 'usage-hourly');
      await page.goto(
        `${world.api}/console/#/usage?from=${from}&to=${to}&measure=llm_input_tokens&group=model&window=day`,
      );
      await page.waitForSelector('#usage-chart');
    }

    // Spend, chosen with the form as a person would.
    await page.selectOption('#usage-measure', 'spend');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForFunction("document.querySelector('#usage-result h2')?.textContent?.startsWith('Spend')");
    await page.waitForSelector('#usage-chart');
    const costs = await must(
      world,
      'GET',
      `/v1/orgs/${org.id}/costs?from=${from}&to=${to}&group_by=model,day`,
      org.tokens.developer,
    );
    const spendChart = await chartData(page, 'usage-chart');
    for (const s of spendChart.series) {
      expect(s.data).toEqual(
        spendChart.labels.map((d) =>
          costs.rows
            .filter((r: any) => r.model === s.label && r.day === d)
            .reduce((sum: number, r: any) => sum + r.amount_minor, 0),
        ),
      );
    }
    const total = costs.totals.find((t: { currency: string }) => t.currency === 'USD').amount_minor;
    expect(total).toBeGreaterThan(0);
    expect(await text(page, 'usage-total')).toContain(usd(total));

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = await new Promise<string>((resolve, reject) => {
      download.createReadStream().then((stream) => {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => resolve(data));
        stream.on('error', reject);
      }, reject);
    });
    const apiCsv = await call(
      world,
      'GET',
      `/v1/orgs/${org.id}/costs?from=${from}&to=${to}&group_by=model,day`,
      org.tokens.developer,
      undefined,
      {
        accept: 'text/csv',
      },
    );
    expect(csv).toBe(apiCsv.text);
    expect(download.suggestedFilename()).toBe(`costs-${org.id}-${from}-${to}.csv`);
    expect(errors).toEqual([]);
    await screenshot(page, 'usage');
    await context.close();
  });

  it('a card saved with the test-card picker and plan changes made on the plans page show in the API', async () => {
    const org = await newOrg(world, 'Plans Co');
    const { context, page, errors } = await openConsole(world, org.tokens.billing_admin, 'payment-methods');
    await page.getByTestId('no-cards').waitFor();
    await page.getByLabel('Mastercard 4444 — succeeds').check();
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.getByText('Saved MASTERCARD •••• 4444.').waitFor({ timeout: 20_000 });
    await page
      .getByRole('row', { name: /MASTERCARD •••• 4444/ })
      .getByText('Default')
      .waitFor();
    const methods = await must(world, 'GET', `/v1/orgs/${org.id}/payment-methods`, org.tokens.owner);
    expect(methods.data).toMatchObject([{ brand: 'mastercard', last4: '4444', is_default: true }]);
    // A second card, made the default; then the first one removed.
    await page.getByLabel('Visa 4242 — succeeds').check();
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.getByText('Saved VISA •••• 4242.').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Make VISA •••• 4242 the default' }).click();
    await page.getByRole('button', { name: 'Make default', exact: true }).click();
    await page
      .getByRole('row', { name: /VISA •••• 4242/ })
      .getByText('Default')
      .waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Remove MASTERCARD •••• 4444' }).click();
    await page.getByRole('button', { name: 'Remove the card' }).click();
    await page.getByRole('row', { name: /MASTERCARD/ }).waitFor({ state: 'detached', timeout: 20_000 });
    const after = await must(world, 'GET', `/v1/orgs/${org.id}/payment-methods`, org.tokens.owner);
    expect(after.data).toMatchObject([{ brand: 'visa', last4: '4242', is_default: true }]);
    await screenshot(page, 'payment-methods');

    await page.goto(`${world.api}/console/#/plans`);
    await page.getByRole('button', { name: 'Subscribe to Team' }).click();
    await page.getByText('Starts now').waitFor();
    expect(await page.locator('.confirm').innerText()).toContain('$49.00 monthly fee pro rata');
    await page.getByRole('button', { name: 'Subscribe to Team' }).click();
    await page.getByTestId('plan-outcome').getByText('Subscribed to Team. On the next invoice:').waitFor();
    let sub = await must(world, 'GET', `/v1/orgs/${org.id}/subscription`, org.tokens.owner);
    expect(sub).toMatchObject({ status: 'active', plan_id: 'team', billing_model: 'flat', currency: 'USD' });
    await page.getByTestId('current-plan').getByText('Team').waitFor();

    // An upgrade says it is now and what it credits and charges, before it is sent.
    await page.getByRole('button', { name: 'Upgrade to Pro (metered)' }).click();
    const consequences = await page.locator('.confirm').innerText();
    expect(consequences).toContain('Upgrade, effective now.');
    expect(consequences).toMatch(/Credit for the unused part of Team: about −\$\d+\.\d\d/);
    await page.getByRole('button', { name: 'Upgrade to Pro (metered) now' }).click();
    await page.getByTestId('plan-outcome').getByText('Upgraded to Pro (metered). On the next invoice:').waitFor();
    sub = await must(world, 'GET', `/v1/orgs/${org.id}/subscription`, org.tokens.owner);
    expect(sub).toMatchObject({ plan_id: 'pro', billing_model: 'metered' });
    const credit = sub.pending_adjustments.find((a: { amount_minor: number }) => a.amount_minor < 0);
    expect(consequences).toContain(`about −${usd(-credit.amount_minor)}`);

    // A downgrade is scheduled for the period end, and the page says so.
    await page.getByRole('button', { name: 'Downgrade to Team' }).click();
    expect(await page.locator('.confirm').innerText()).toContain('Downgrade at the period end');
    await page.getByRole('button', { name: 'Schedule the downgrade to Team' }).click();
    await page.getByText(/Scheduled: moves to Team on/).waitFor();
    sub = await must(world, 'GET', `/v1/orgs/${org.id}/subscription`, org.tokens.owner);
    expect(sub.plan_id).toBe('pro');
    expect(sub.pending_changes).toMatchObject([{ type: 'downgrade', plan_id: 'team' }]);

    // Cancel at the period end, then reactivate.
    await page.getByRole('button', { name: 'Cancel at period end' }).click();
    await page.getByRole('button', { name: 'Cancel at the period end' }).click();
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    expect((await must(world, 'GET', `/v1/orgs/${org.id}/subscription`, org.tokens.owner)).cancel_at_period_end).toBe(
      true,
    );
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('button', { name: 'Keep the subscription' }).click();
    await page.getByRole('button', { name: 'Cancel at period end' }).waitFor();
    expect((await must(world, 'GET', `/v1/orgs/${org.id}/subscription`, org.tokens.owner)).cancel_at_period_end).toBe(
      false,
    );
    expect(errors).toEqual([]);
    await screenshot(page, 'plans');
    await context.close();
  });

  it.each(['developer', 'viewer'] as const)('a %s sees usage and status but no admin page or button', async (role) => {
    const org = await newOrg(world, 'Roles Co');
    const { context, page, errors } = await openConsole(world, org.tokens[role]);
    await page.waitForSelector('[data-testid=org-name]');
    expect(await page.locator('nav a').allInnerTexts()).toEqual(['Overview', 'Usage', 'Plans']);
    expect(await page.locator('main button').allInnerTexts()).toEqual([]);
    await page.goto(`${world.api}/console/#/plans`);
    await page.getByTestId('current-plan').waitFor();
    expect(await page.locator('main button').allInnerTexts()).toEqual([]);
    await page.goto(`${world.api}/console/#/usage`);
    await page.getByTestId('usage-total').waitFor();
    expect((await page.locator('main button').allInnerTexts()).sort()).toEqual(['Download CSV', 'Show']);
    // A page the role may not open falls back to the first allowed one instead of answering 403.
    await page.goto(`${world.api}/console/#/payment-methods`);
    await expect(page.locator('main h1').innerText()).resolves.toBe('Overview');
    expect(errors).toEqual([]);
    if (role === 'developer') await screenshot(page, 'developer-overview');
    await context.close();
  });

  it('a frozen org sees the freeze explained in plain words and what to do', async () => {
    const org = await newOrg(world, 'Frozen Co');
    const { customerId } = await addCard(world, org);
    const intent = await world.stripe.paymentIntents.create({
      amount: 4_900,
      currency: 'usd',
      customer: customerId,
      payment_method: 'pm_card_createDispute',
      confirm: true,
      off_session: true,
    });
    const status = await until('the dispute to freeze the org', async () => {
      const st = await must(world, 'GET', `/v1/orgs/${org.id}/billing-status`, org.tokens.owner);
      return st.freeze_reasons.length ? st : undefined;
    });
    expect(intent.status).toBe('succeeded');
    for (const role of ['owner', 'developer'] as const) {
      const { context, page, errors } = await openConsole(world, org.tokens[role]);
      const panel = page.getByTestId('freeze-panel');
      await panel.waitFor();
      const words = await panel.innerText();
      expect(words).toContain('Billing is frozen');
      expect(words).toContain('New spend is refused');
      expect(await page.getByTestId('freeze-reasons').innerText()).toBe(
        `A card payment is disputed with the bank ($49.00, reason: fraudulent). New spend is paused until the dispute is resolved.`,
      );
      expect(words).toContain(
        role === 'owner'
          ? 'Answer the dispute with your evidence in Stripe'
          : 'Ask an owner or billing admin to answer the dispute',
      );
      expect(await text(page, 'billing-status')).toBe('New spend frozen');
      expect(status.new_spend_allowed).toBe(false);
      expect(errors).toEqual([]);
      if (role === 'owner') await screenshot(page, 'frozen-overview');
      await context.close();
    }
  });

  it('contacts and the audit trail show what the API holds; a contact added on the page is in the API', async () => {
    const org = await newOrg(world, 'Contacts Co');
    await must(world, 'POST', `/v1/orgs/${org.id}/contacts`, org.tokens.owner, {
      name: 'Finance',
      email: 'finance@contacts.example.com',
      notice_kinds: ['invoice', 'budget'],
    });
    const { context, page, errors } = await openConsole(world, org.tokens.owner, 'contacts');
    const table = page.getByTestId('contacts-table');
    await table.getByText('finance@contacts.example.com').waitFor();
    expect(await table.innerText()).toContain('Invoices, Budget alerts');
    await page.getByLabel('Name').fill('On-call');
    await page.getByLabel('Email').fill('oncall@contacts.example.com');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await table.getByText('oncall@contacts.example.com').waitFor();
    const contacts = await must(world, 'GET', `/v1/orgs/${org.id}/contacts`, org.tokens.owner);
    expect(contacts.data.map((c: { email: string }) => c.email).sort()).toEqual([
      'finance@contacts.example.com',
      'oncall@contacts.example.com',
    ]);
    await screenshot(page, 'contacts');

    await page.goto(`${world.api}/console/#/audit`);
    const audit = await must(world, 'GET', `/v1/orgs/${org.id}/audit`, org.tokens.owner);
    const rows = page.getByTestId('audit-table').locator('tbody tr');
    await until('the audit rows', async () => ((await rows.count()) === audit.data.length ? true : undefined));
    const actions = await page.getByTestId('audit-table').locator('tbody th code').allInnerTexts();
    expect(actions).toEqual(audit.data.map((e: { action: string }) => e.action));
    expect(actions).toContain('org.provisioned');
    expect(errors).toEqual([]);
    await screenshot(page, 'audit');
    await context.close();
  });

  it('is readable at a phone width: nothing overflows sideways', async () => {
    const org = await meteredOrg('Phone Co');
    for (const route of ['overview', 'usage', 'plans']) {
      const { context, page } = await openConsole(world, org.tokens.owner, route, { width: 390, height: 844 });
      await page.waitForSelector(route === 'plans' ? '[data-testid=current-plan]' : '.chart canvas');
      await screenshot(page, `phone-${route}`);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect({ route, overflow }).toEqual({ route, overflow: 0 });
      await context.close();
    }
  });
});
