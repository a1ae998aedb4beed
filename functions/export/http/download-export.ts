import { accepted, httpHandler, retryLater, seeOther } from '../../kernel/http/http-handler';
import { downloadExport } from '../app/download-export';
import { deps } from '../compose';
import { EXPORT_CONTRACT } from '../contract';
import { encodeView } from './encode';

/**
 * `GET …/export`: 303 to the document once it is built (the request is held a few seconds while it
 * builds). Still building: 503 with Retry-After, which `curl --retry` retries by itself (it never
 * retries a 202); a client that asks `Prefer: respond-async` gets 202 with the job instead.
 */
export const handler = httpHandler(EXPORT_CONTRACT, 'downloadExport', async ({ params, ctx, headers }) => {
  const d = deps();
  const async = /\brespond-async\b/i.test(headers.prefer ?? '');
  const outcome = await downloadExport(d, params.org, ctx, { holdMs: async ? 0 : d.exportHoldMs });
  if (outcome.kind === 'ready') return seeOther(outcome.view.download.url);
  const retryAfter = String(outcome.retryAfterSeconds);
  return async
    ? accepted(encodeView(outcome.view), {
        'retry-after': retryAfter,
        location: `/v1/orgs/${params.org}/exports/${outcome.view.job.id}`,
      })
    : retryLater(encodeView(outcome.view), outcome.retryAfterSeconds);
});
