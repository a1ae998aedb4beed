import { httpHandler, ok, text } from '../../kernel/http/http-handler';
import { getUsageReport } from '../app/usage-analytics';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeRange, encodeUsageRow, toCsv } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'getUsageReport', async ({ params, query, headers }) => {
  const report = await getUsageReport(deps(), params.org, {
    from: query.from,
    to: query.to,
    window: query.window,
    groupBy: query.group_by,
  });
  const rows = report.rows.map(encodeUsageRow);
  if ((headers.accept ?? '').includes('text/csv'))
    return text('text/csv; charset=utf-8', toCsv(report.groupBy, rows, ['quantity'], report.window !== undefined));
  return ok({ ...encodeRange(report), rows });
});
