import { httpHandler, ok, text } from '../../kernel/http/http-handler';
import { getCosts } from '../app/usage-analytics';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { costCsvRow, encodeCostRow, encodeRange, toCsv } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'getCosts', async ({ params, query, headers }) => {
  const costs = await getCosts(deps(), params.org, {
    from: query.from,
    to: query.to,
    window: query.window,
    groupBy: query.group_by,
  });
  if ((headers.accept ?? '').includes('text/csv')) {
    return text(
      'text/csv; charset=utf-8',
      toCsv(
        costs.groupBy,
        costs.rows.map(costCsvRow),
        ['currency', 'amount_minor', 'amount'],
        costs.window !== undefined,
      ),
    );
  }
  return ok({
    ...encodeRange(costs),
    rows: costs.rows.map(encodeCostRow),
    totals: costs.totals.map((t) => ({ currency: t.currency, amount_minor: t.amountMinor })),
  });
});
