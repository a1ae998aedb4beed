import { LINE_KIND_NAMES } from '../../console/src/format';
import { ROUTES } from '../../functions/routes';
import {
  addCard,
  call,
  chartData,
  dateText,
  downloaded,
  isoDay,
  must,
  newOrg,
  type Org,
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

/** Whether the API serves pay now (collection): the served document follows the route table. */
const PAY_NOW_SERVED = ROUTES.some((r) => r.id === 'payInvoice');

/**
 * An org on Pro with a card and an invoice threshold of $1.00, and `count` threshold invoices: each made
 * by one usage batch ($3.00 of claude-opus-4) and waited for before the next, so each bills its own.
 */
async function thresholdOrg(
  name: string,
  count: number,
  options: { card?: string; settings?: Record<string, unknown> } = {},
): Promise<Org> {
  const org = await newOrg(world, name);
  await addCard(world, org, options.card);
  await must(world, 'POST', `/v1/orgs/${org.id}/subscription`, org.tokens.owner, { plan_id: 'pro', currency: 'USD' });
  await must(world, 'PUT', `/v1/orgs/${org.id}/billing-settings`, org.tokens.owner, {
    invoice_threshold_minor: 100,
    ...options.settings,
  });
  for (let i = 1; i <= count; i++) {
    await sendUsage(world, org, [
      { at: new Date(Date.now() + 1000).toISOString(), model: 'claude-opus-4', input: 100_000, output: 20_000 },
    ]);
    await until(`threshold invoice ${i}`, async () => {
      const list = await must(world, 'GET', `/v1/orgs/${org.id}/invoices?limit=100`, org.tokens.owner);
      return list.data.length >= i ? true : undefined;
    });
  }
  return org;
}

/** How far the page overflows sideways at a phone width (charts resize a frame after the viewport). */
async function overflowAtPhoneWidth(page: import('playwright-core').Page): Promise<number> {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = 'document.documentElement.scrollWidth - window.innerWidth';
  await page.waitForFunction(`${overflow} <= 0`, null, { timeout: 5_000 }).catch(() => {});
  return page.evaluate(overflow);
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
    const csv = (await downloaded(download)).toString();
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

  it('invoices: a page at a time (the last page says there are no more), every line of one as the API has it, its PDF and the upcoming invoice', async () => {
    const org = await thresholdOrg('Invoices Co', 4);
    const owner = org.tokens.owner;
    const list = (cursor?: string) =>
      must(
        world,
        'GET',
        `/v1/orgs/${org.id}/invoices?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        owner,
      );
    const page1 = await list();
    const page2 = await list(page1.next_cursor);
    // Four invoices fill the second page exactly, and it is the last: no cursor to an empty page.
    expect(page2.data).toHaveLength(2);
    expect(page2.next_cursor).toBeNull();
    const numbersOf = (p: { data: { number: string }[] }) => p.data.map((i) => i.number);

    const { context, page, errors } = await openConsole(world, owner, 'invoices?limit=2');
    const table = page.getByTestId('invoices-table');
    const shown = () => table.locator('tbody th').allInnerTexts();
    const showing = (numbers: string[]) =>
      until(`invoices ${numbers.join(', ')}`, async () =>
        JSON.stringify(await shown()) === JSON.stringify(numbers) ? true : undefined,
      );
    await table.waitFor();
    await showing(numbersOf(page1));
    const first = page1.data[0];
    const row = await table.locator(`tr[data-invoice="${first.id}"]`).locator('th, td').allInnerTexts();
    expect(row).toEqual([
      first.number,
      'Open',
      'Threshold (interim)',
      `${dateText(first.period.start)} – ${dateText(new Date(Date.parse(first.period.end) - 1).toISOString())}`,
      dateText(first.issued_at),
      dateText(first.due_at),
      usd(first.total_minor),
      usd(first.amount_due_minor),
    ]);
    const older = page.getByRole('button', { name: 'Older invoices' });
    await older.click();
    await showing(numbersOf(page2));
    // The last page says so and offers nothing older.
    await page.getByTestId('no-more-invoices').waitFor();
    expect(await shown()).toEqual(numbersOf(page2));
    expect(await older.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Newer invoices' }).click();
    await showing(numbersOf(page1));

    // One invoice: every line, the totals and the dates, as the API's JSON has them.
    await table.getByRole('link', { name: first.number }).click();
    const detail = page.getByTestId('invoice-detail');
    await detail.getByTestId('invoice-number').waitFor();
    const invoice = await must(world, 'GET', `/v1/orgs/${org.id}/invoices/${first.id}`, owner);
    expect(invoice.lines.length).toBeGreaterThan(0);
    const lines = detail.getByTestId('invoice-lines').locator('tbody tr');
    expect(await lines.count()).toBe(invoice.lines.length);
    for (const [i, line] of invoice.lines.entries()) {
      const cells = await lines.nth(i).locator('th, td').allInnerTexts();
      expect(cells[0]).toBe(LINE_KIND_NAMES[line.kind]);
      expect(cells[1]).toContain(line.description);
      expect(cells[2]).toBe(line.period);
      expect(cells[3]).toContain(line.quantity.toLocaleString('en-US'));
      expect(cells[5]).toBe(usd(line.amount_minor));
    }
    const fact = async (id: string) => (await detail.getByTestId(id).innerText()).trim();
    expect(await fact('invoice-number')).toBe(invoice.number);
    expect(await fact('invoice-status')).toBe('Open');
    expect(await fact('invoice-due')).toBe(dateText(invoice.due_at));
    expect(await fact('invoice-subtotal')).toBe(usd(invoice.subtotal_minor));
    expect(await fact('invoice-credit')).toBe(usd(invoice.credits_applied_minor ? -invoice.credits_applied_minor : 0));
    expect(await fact('invoice-total')).toBe(usd(invoice.total_minor));
    expect(await fact('invoice-due-amount')).toBe(usd(invoice.amount_due_minor));
    expect(invoice.lines.reduce((s: number, l: { amount_minor: number }) => s + l.amount_minor, 0)).toBe(
      invoice.subtotal_minor,
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      detail.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    const pdf = await downloaded(download);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1_000);
    expect(download.suggestedFilename()).toBe(`${invoice.number}.pdf`);
    // Pay now only where the API serves it (and for an invoice still open).
    expect(await detail.getByRole('button', { name: /^Pay .* now$/ }).count()).toBe(
      PAY_NOW_SERVED && invoice.status === 'open' ? 1 : 0,
    );

    const upcoming = await must(world, 'GET', `/v1/orgs/${org.id}/invoices/upcoming`, owner);
    expect(await page.getByTestId('upcoming-summary').innerText()).toContain(
      `${usd(upcoming.total_minor)} so far, ${upcoming.lines.length} line`,
    );
    expect(errors).toEqual([]);
    await screenshot(page, 'invoices');
    expect(await overflowAtPhoneWidth(page)).toBe(0);
    await screenshot(page, 'phone-invoices');
    await context.close();
  });

  (PAY_NOW_SERVED ? it : it.skip)(
    'pay now: an invoice left open by a declined card is paid from its page once the card is replaced; meanwhile the overview links to it',
    async () => {
      // Net terms: the invoice waits to be paid instead of being charged when issued.
      const org = await thresholdOrg('Pay Now Co', 1, { card: 'pm_card_chargeDeclined', settings: { net_days: 30 } });
      const [open] = (await must(world, 'GET', `/v1/orgs/${org.id}/invoices?status=open`, org.tokens.owner)).data;
      const { context, page, errors } = await openConsole(world, org.tokens.billing_admin, `invoices?id=${open.id}`);
      const detail = page.getByTestId('invoice-detail');
      const pay = detail.getByRole('button', { name: `Pay ${usd(open.amount_due_minor)} now` });
      await pay.click();
      await detail.getByRole('button', { name: `Charge ${usd(open.amount_due_minor)}` }).click();
      await detail.getByText(/The card was declined/).waitFor({ timeout: 20_000 });
      expect((await must(world, 'GET', `/v1/orgs/${org.id}/invoices/${open.id}`, org.tokens.owner)).status).toBe(
        'open',
      );
      // A failed payment puts the org in dunning: the overview says what to do and links to the invoice.
      await until('dunning', async () =>
        (await must(world, 'GET', `/v1/orgs/${org.id}/billing-status`, org.tokens.owner)).dunning_state !== 'none'
          ? true
          : undefined,
      );
      await page.goto(`${world.api}/console/#/overview`);
      const panel = page.getByTestId('freeze-panel');
      await panel.waitFor();
      // Dunning freezes new spend too, and the panel says why in the words of its state.
      expect(await panel.innerText()).toContain('New spend is refused');
      expect(await page.getByTestId('freeze-reasons').innerText()).toBe(
        'A payment failed and has not been made since (Past due: a payment failed).',
      );
      expect(await text(page, 'billing-status')).toBe('Past due: a payment failed · new spend frozen');
      expect(await panel.getByRole('link', { name: 'Update the card' }).count()).toBe(1);
      const link = panel.getByRole('link', { name: new RegExp(`^Pay invoice ${open.number} \\(`) });
      await screenshot(page, 'dunning-overview');

      // A new card made the default, then pay now from the link.
      const si = await must(world, 'POST', `/v1/orgs/${org.id}/payment-methods/setup-intents`, org.tokens.owner);
      const visa = await world.stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' });
      await until('the new card in the mirror', async () => {
        const methods = await must(world, 'GET', `/v1/orgs/${org.id}/payment-methods`, org.tokens.owner);
        return methods.data.some((m: { id: string }) => m.id === visa.payment_method) ? true : undefined;
      });
      await must(world, 'POST', `/v1/orgs/${org.id}/payment-methods/${visa.payment_method}/default`, org.tokens.owner);
      await until('the new card to be the default', async () => {
        const methods = await must(world, 'GET', `/v1/orgs/${org.id}/payment-methods`, org.tokens.owner);
        return methods.data.find((m: { is_default: boolean }) => m.is_default)?.id === visa.payment_method
          ? true
          : undefined;
      });
      await link.click();
      await pay.click();
      await detail
        .locator('.confirm')
        .getByText(/to VISA •••• 4242 now/)
        .waitFor();
      await detail.getByRole('button', { name: `Charge ${usd(open.amount_due_minor)}` }).click();
      await detail
        .getByTestId('pay-outcome')
        .getByText(`Paid ${usd(open.amount_due_minor)}: invoice ${open.number} is paid.`)
        .waitFor({ timeout: 20_000 });
      expect((await must(world, 'GET', `/v1/orgs/${org.id}/invoices/${open.id}`, org.tokens.owner)).status).toBe(
        'paid',
      );
      await detail.getByTestId('invoice-status').getByText('Paid').waitFor();
      expect(await pay.count()).toBe(0);
      await until('dunning to clear', async () =>
        (await must(world, 'GET', `/v1/orgs/${org.id}/billing-status`, org.tokens.owner)).dunning_state === 'none'
          ? true
          : undefined,
      );
      expect(errors).toEqual([]);
      await screenshot(page, 'pay-now');
      // Paid: the freeze is lifted, and the overview says so.
      await page.goto(`${world.api}/console/#/overview`);
      await page.getByTestId('billing-status').waitFor();
      expect(await page.getByTestId('freeze-panel').count()).toBe(0);
      expect(await text(page, 'billing-status')).toBe('In good standing');
      await context.close();
    },
  );

  it('contracts: a contract signed on the page shows its terms, rate sheet, history, its commitment invoice and a burn-down per started year from the utilization API', async () => {
    const org = await newOrg(world, 'Contract Co');
    const platform = await world.token({ sub: 'svc_sales', role: 'platform' });
    // The vendor's sales operations draft and submit it; the org signs.
    const start = `${isoDay(-10)}T00:00:00.000Z`;
    const end = new Date(Date.parse(start) + 730 * 86_400_000).toISOString();
    const drafted = await must(world, 'POST', `/v1/orgs/${org.id}/contracts`, platform, {
      name: 'Enterprise 2027–2028',
      currency: 'USD',
      term: { start, end },
      commit: { type: 'prepaid', years: [{ amount_minor: 100_000 }, { amount_minor: 150_000 }] },
      rates: {
        discount_percent: '20',
        overrides: [{ meter: 'llm_input_tokens', model: 'claude-opus-4', unit_amount_decimal: '0.001' }],
      },
      net_days: 30,
      terms_text: 'Master services agreement of 1 December 2026.',
    });
    await must(world, 'POST', `/v1/orgs/${org.id}/contracts/${drafted.id}/transitions`, platform, {
      action: 'submit',
    });

    const { context, page, errors, received } = await openConsole(world, org.tokens.billing_admin, 'contracts');
    const fact = async (id: string) => (await page.getByTestId(id).innerText()).trim();
    await page.getByTestId('contract-status').getByText('Awaiting signature').waitFor();
    await page.getByRole('button', { name: 'Sign the contract' }).click();
    expect(await page.locator('.confirm').innerText()).toContain('the first ($1,000.00) at once');
    await page.getByLabel('Name').fill('Ada Buyer');
    await page.getByLabel('Email').fill('ada@contract.example');
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page
      .getByTestId('contract-outcome')
      .getByText(/^Signed the contract: active \(in force\) from /)
      .waitFor();
    const signed = await must(world, 'GET', `/v1/orgs/${org.id}/contracts/${drafted.id}`, org.tokens.owner);
    expect(signed).toMatchObject({ status: 'active', signatory: { name: 'Ada Buyer', email: 'ada@contract.example' } });
    await page.getByTestId('contract-status').getByText('Active (in force)').waitFor();

    // Usage under the contract, then the page again.
    const now = Date.now() + 1000;
    await sendUsage(
      world,
      org,
      Array.from({ length: 3 }, (_v, i) => ({
        at: new Date(now + i).toISOString(),
        model: 'claude-opus-4',
        input: 200_000,
        output: 10_000,
      })),
    );
    await page.reload();
    await page.waitForSelector('#burn-down-1');
    const util = received.get(`/v1/orgs/${org.id}/contracts/${drafted.id}/utilization`);
    const fresh = await must(world, 'GET', `/v1/orgs/${org.id}/contracts/${drafted.id}/utilization`, org.tokens.owner);
    // Consumption does not move with the clock (the projection does): the page shows the API's figures.
    expect(util.years.map((y: any) => y.consumed_minor)).toEqual(fresh.years.map((y: any) => y.consumed_minor));
    const [year1, year2] = util.years;
    expect(year1.consumed_minor).toBeGreaterThan(0);
    const utilizationRows = await page.getByTestId('utilization-table').locator('tbody tr').allInnerTexts();
    expect(utilizationRows[0]).toContain(usd(year1.consumed_minor));
    expect(utilizationRows[0]).toContain(usd(year1.remaining_minor));
    expect(utilizationRows[1]).toContain(usd(150_000));
    expect(await fact('projection-year')).toBe(usd(util.projection.projected_year_minor));

    // The burn-down: a day per label, the commitment left after each billing period the API lists, and
    // the run-rate projection from now to the year end.
    const chart = await chartData(page, 'burn-down-1');
    const left = series(chart, 'Commitment left');
    const projected = series(chart, 'Projected at the run rate');
    expect(chart.labels[0]).toBe(year1.start.slice(0, 10));
    expect(chart.labels.at(-1)).toBe(year1.end.slice(0, 10));
    expect(chart.labels).toHaveLength(366);
    const at = (iso: string) => chart.labels.indexOf(iso.slice(0, 10));
    expect(left[at(year1.start)]).toBe(100_000);
    let consumed = 0;
    for (const p of year1.by_period) {
      consumed += p.consumed_minor;
      expect(left[at(p.to)]).toBe(Math.max(0, 100_000 - consumed));
    }
    expect(consumed).toBe(year1.consumed_minor);
    expect(left[at(util.as_of)]).toBe(year1.remaining_minor);
    expect(left.filter((v) => v !== null)).toHaveLength(
      new Set(
        [year1.start, year1.by_period[0].from, ...year1.by_period.map((p: any) => p.to)].map((d: string) =>
          d.slice(0, 10),
        ),
      ).size,
    );
    expect(projected[at(util.as_of)]).toBe(year1.remaining_minor);
    expect(projected.at(-1)).toBe(Math.max(0, 100_000 - util.projection.projected_year_minor));
    expect(projected.slice(0, at(util.as_of)).every((v) => v === null)).toBe(true);
    // Year 2 has not started: no chart for it yet.
    expect(year2.by_period).toEqual([]);
    expect(await page.locator('#burn-down-2').count()).toBe(0);

    // The rate sheet as the API rates, the history, the terms.
    const rates = await page.getByTestId('rate-sheet').locator('tbody tr').allInnerTexts();
    expect(rates.find((r) => r.startsWith('Input tokens\tclaude-opus-4'))).toBe(
      'Input tokens\tclaude-opus-4\t$10.00 per million tokens\t$15.00 per million tokens\tNegotiated',
    );
    expect(rates.find((r) => r.startsWith('Output tokens\tclaude-opus-4'))).toContain(
      '$60.00 per million tokens\t$75.00 per million tokens\tList, discounted',
    );
    expect(rates).toHaveLength(signed.rate_sheet.length);
    const history = await page.getByTestId('contract-history').locator('tbody th').allInnerTexts();
    expect(history).toEqual(['Drafted', 'Submitted for signature', 'Signed']);
    expect(await fact('contract-signed')).toContain('Ada Buyer (ada@contract.example)');
    expect(await fact('contract-net-days')).toBe('Invoices due 30 days after issue');
    // Nothing left to sign: no transition offered.
    expect(
      await page
        .locator('main')
        .getByRole('button', { name: /^(Sign|Decline)/ })
        .count(),
    ).toBe(0);
    expect(errors).toEqual([]);
    await screenshot(page, 'contracts');
    expect(await overflowAtPhoneWidth(page)).toBe(0);
    await screenshot(page, 'phone-contracts');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Year 1's commitment was invoiced at the signature: the contract invoice and its commitment line.
    const [commitment] = (await must(world, 'GET', `/v1/orgs/${org.id}/invoices`, org.tokens.owner)).data;
    expect(commitment).toMatchObject({ kind: 'contract', total_minor: 100_000 });
    await page.goto(`${world.api}/console/#/invoices?id=${commitment.id}`);
    const line = page.getByTestId('invoice-detail').locator('[data-kind=commitment]');
    await line.waitFor();
    expect(await line.locator('th').innerText()).toBe('Prepaid commitment');
    expect(await line.locator('td.amount').innerText()).toBe(usd(100_000));
    expect(await page.getByTestId('invoice-detail').getByTestId('invoice-kind').innerText()).toBe(
      'Contract commitment',
    );
    expect(errors).toEqual([]);
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
    // Invoices and contracts are the billing admins' (the route table): not offered, not opened.
    for (const route of ['invoices', 'contracts', 'invoices?id=in_x']) {
      await page.goto(`${world.api}/console/#/${route}`);
      await expect(page.locator('main h1').innerText()).resolves.toBe('Overview');
      expect(await page.locator('main button').allInnerTexts()).toEqual([]);
    }
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
