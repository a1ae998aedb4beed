import fc from 'fast-check';
import { collectInvoice, retryPayment } from '../../../functions/collection/app/collect-invoices';
import { systemContext } from '../../../functions/collection/app/collection-common';
import { payInvoice } from '../../../functions/collection/app/pay-invoice';
import { reconcileInvoiceEvent } from '../../../functions/collection/app/reconcile-invoice-event';
import { advanceDunning } from '../../../functions/dunning/app/dunning';
import type { DunningState } from '../../../functions/kernel/billing-status';
import { type Card, collectionWorld, INVOICE, ORG } from '../../support/collection-world';

/**
 * Dunning against a reference model (fast-check commands): charges and payments with a card that
 * works or not, the retry and dunning schedules firing on time, late or twice at once, pay now, the
 * webhooks of it all in reverse order — over the real collection and dunning use cases. After every
 * command the org's dunning state and the invoice's status are the model's, and every transition ever
 * written is a legal one, each step once.
 */
const H = 3_600_000;
const DEADLINES: Partial<Record<DunningState, [DunningState, number]>> = {
  past_due: ['grace', 72 * H],
  grace: ['suspended', 168 * H],
  suspended: ['canceled', 336 * H],
};
const RETRY_DAYS = [1, 3, 5, 7];
const LEGAL = new Set([
  'none>past_due',
  'past_due>grace',
  'grace>suspended',
  'suspended>canceled',
  'past_due>none',
  'grace>none',
  'suspended>none',
  'canceled>none',
]);

interface Model {
  now: number;
  card: Card;
  invoice: 'open' | 'paid' | 'uncollectible';
  attempts: number;
  dunning: DunningState;
  enteredAt: number | null;
  firstFailedAt: number | null;
  retries: number;
}
type World = ReturnType<typeof collectionWorld> & { clock: { set(ms: number): void }; payNows: number };

/** A charge with the card as it is. */
function attempt(m: Model) {
  m.attempts += 1;
  if (m.card === 'good') {
    m.invoice = 'paid';
    m.dunning = 'none';
    m.enteredAt = null;
    return;
  }
  m.firstFailedAt ??= m.now;
  if (m.invoice === 'open' && m.dunning === 'none') {
    m.dunning = 'past_due';
    m.enteredAt = m.now;
  }
}

function deadlineCheck(m: Model) {
  const step = DEADLINES[m.dunning];
  if (!step || m.enteredAt === null || m.now < m.enteredAt + step[1]) return;
  m.enteredAt += step[1];
  m.dunning = step[0];
  if (m.dunning === 'canceled' && m.invoice === 'open') m.invoice = 'uncollectible';
}

async function check(m: Model, r: World) {
  const v = r.view();
  expect({ dunning: v.status.dunningState, invoice: v.invoice.status, charges: r.stripe.charges.length }).toEqual({
    dunning: m.dunning,
    invoice: m.invoice,
    charges: m.attempts,
  });
  expect(v.invoice.collection?.attempts.length ?? 0).toBe(m.attempts);
  const transitions = v.audits
    .filter((a) => a.action.startsWith('dunning.'))
    .map(
      (a) =>
        `${(a.before as { dunningState: string }).dunningState}>${(a.after as { dunningState: string }).dunningState}`,
    );
  for (const t of transitions) expect(LEGAL).toContain(t);
}

const command = (
  name: string,
  applies: (m: Model) => boolean,
  run: (m: Model, r: World) => Promise<void>,
): fc.AsyncCommand<Model, World> => ({
  check: applies,
  run: async (m, r) => {
    await run(m, r);
    await check(m, r);
  },
  toString: () => name,
});

const commands = [
  fc.constant(
    command(
      'collect',
      () => true,
      async (m, r) => {
        await collectInvoice(r.deps, { orgId: ORG, invoiceId: INVOICE });
        if (m.attempts === 0 && m.invoice === 'open') attempt(m);
      },
    ),
  ),
  fc.boolean().map((twice) =>
    command(
      `retry schedule${twice ? ' ×2' : ''}`,
      () => true,
      async (m, r) => {
        const run = () => retryPayment(r.deps, { orgId: ORG, invoiceId: INVOICE });
        await (twice ? Promise.all([run(), run()]) : run());
        const due =
          m.firstFailedAt !== null &&
          m.retries < RETRY_DAYS.length &&
          m.now >= m.firstFailedAt + RETRY_DAYS[m.retries]! * 24 * H;
        if (m.invoice === 'open' && due) {
          m.retries += 1;
          attempt(m);
        }
      },
    ),
  ),
  fc.boolean().map((twice) =>
    command(
      `dunning schedule${twice ? ' ×2' : ''}`,
      () => true,
      async (m, r) => {
        await (twice ? Promise.all([advanceDunning(r.deps), advanceDunning(r.deps)]) : advanceDunning(r.deps));
        // Two runs are two deadline checks: a late schedule catches up a step per run, never more.
        deadlineCheck(m);
        if (twice) deadlineCheck(m);
      },
    ),
  ),
  fc.constant(
    command(
      'pay now',
      () => true,
      async (m, r) => {
        const paying = payInvoice(r.deps, systemContext(), {
          orgId: ORG,
          invoiceId: INVOICE,
          requestKey: `req_${++r.payNows}`,
        });
        if (m.invoice === 'paid') {
          await expect(paying).rejects.toMatchObject({ code: 'invoice_already_paid' });
          return;
        }
        await paying;
        attempt(m);
      },
    ),
  ),
  fc.constantFrom<Card>('good', 'bad').map((card) =>
    command(
      `card ${card}`,
      () => true,
      async (m, r) => {
        m.card = card;
        r.stripe.card = card;
      },
    ),
  ),
  fc.integer({ min: 1, max: 400 }).map((hours) =>
    command(
      `+${hours} h`,
      () => true,
      async (m, r) => {
        m.now += hours * H;
        r.clock.set(m.now);
      },
    ),
  ),
  fc.constant(
    command(
      'webhooks, reversed',
      () => true,
      async (_m, r) => {
        for (const event of [...r.stripe.events].reverse()) {
          await reconcileInvoiceEvent(r.deps, event, r.handOff(`${event.id}:${r.view().version}`));
        }
      },
    ),
  ),
];

describe('dunning against a reference model', () => {
  it('follows the model through failures, retries, payments and schedules late or twice: only legal transitions, each once (2,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
        const start = Date.parse('2027-01-01T00:00:00.000Z');
        let now = start;
        const clock = {
          now: () => new Date(now),
          set: (ms: number) => {
            now = ms;
          },
        };
        const world = collectionWorld(clock);
        const real: World = Object.assign(world, { clock, payNows: 0 });
        const model: Model = {
          now: start,
          card: 'bad',
          invoice: 'open',
          attempts: 0,
          dunning: 'none',
          enteredAt: null,
          firstFailedAt: null,
          retries: 0,
        };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        // Each state entered at most once per stretch of dunning: no transition written twice in a row.
        const transitions = real
          .view()
          .audits.filter((a) => a.action.startsWith('dunning.'))
          .map((a) => a.action);
        for (let i = 1; i < transitions.length; i++) expect(transitions[i]).not.toBe(transitions[i - 1]);
      }),
      { numRuns: 2_000 },
    );
  });
});
